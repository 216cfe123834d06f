import { PageSection } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { call } from '../api/client';
import { LoadedView, PageTitle, when } from '../components';
import { useApi } from '../use-api';

export function AuditLog() {
  const audit = useApi((signal) => call('GET /audit', { signal }), []);
  return (
    <>
      <PageTitle title="Audit log" description="Append-only: the database refuses updates and deletes." />
      <PageSection>
        <LoadedView loaded={audit} isEmpty={(rows) => rows.length === 0} empty="Nothing audited yet.">
          {(rows) => (
            <Table aria-label="Audit log" variant="compact">
              <Thead>
                <Tr>
                  <Th>When</Th>
                  <Th>Actor</Th>
                  <Th>Action</Th>
                  <Th>Subject</Th>
                  <Th>Details</Th>
                </Tr>
              </Thead>
              <Tbody>
                {rows.map((row) => (
                  <Tr key={row.id}>
                    <Td dataLabel="When">{when(row.at)}</Td>
                    <Td dataLabel="Actor">{row.actor}</Td>
                    <Td dataLabel="Action">{row.action}</Td>
                    <Td dataLabel="Subject">{row.subject ?? '—'}</Td>
                    <Td dataLabel="Details">
                      <code style={{ wordBreak: 'break-all' }}>{JSON.stringify(row.details)}</code>
                    </Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
          )}
        </LoadedView>
      </PageSection>
    </>
  );
}
