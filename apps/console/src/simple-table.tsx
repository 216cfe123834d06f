import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { ReactNode } from 'react';

export interface Column<Row> {
  /** The header, and each cell's label when the table stacks on a narrow screen. */
  title: string;
  /** A header only screen readers read (a column of actions). */
  visuallyHidden?: boolean;
  cell(row: Row): ReactNode;
}

/** The compact PatternFly table every list page draws: one row per item, one cell per column. */
export function SimpleTable<Row>({
  label,
  columns,
  rows,
  rowKey,
}: {
  label: string;
  columns: ReadonlyArray<Column<Row>>;
  rows: readonly Row[];
  rowKey(row: Row): string;
}) {
  return (
    <Table aria-label={label} variant="compact">
      <Thead>
        <Tr>
          {columns.map((column) =>
            column.visuallyHidden ? (
              <Th key={column.title} screenReaderText={column.title} />
            ) : (
              <Th key={column.title}>{column.title}</Th>
            ),
          )}
        </Tr>
      </Thead>
      <Tbody>
        {rows.map((row) => (
          <Tr key={rowKey(row)}>
            {columns.map((column) => (
              <Td key={column.title} dataLabel={column.title}>
                {column.cell(row)}
              </Td>
            ))}
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}
