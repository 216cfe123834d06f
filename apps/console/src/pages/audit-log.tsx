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
                  <Th>Resource</Th>
                  <Th>Change</Th>
                </Tr>
              </Thead>
              <Tbody>
                {rows.map((row) => (
                  <Tr key={row.id}>
                    <Td dataLabel="When">{when(row.at)}</Td>
                    <Td dataLabel="Actor">{row.actor}</Td>
                    <Td dataLabel="Action">{row.action}</Td>
                    <Td dataLabel="Resource">
                      {row.resourceType} {row.resourceId ?? ''}
                    </Td>
                    <Td dataLabel="Change">
                      <code style={{ wordBreak: 'break-all' }}>
                        {JSON.stringify({ before: row.before ?? undefined, after: row.after ?? undefined })}
                      </code>
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
