import { PageSection } from '@patternfly/react-core';
import { call } from '../api/client';
import { LoadedView, PageTitle, when } from '../components';
import { SimpleTable } from '../simple-table';
import { useApi } from '../use-api';

export function AuditLog() {
  const audit = useApi((signal) => call('GET /audit', { signal }), []);
  return (
    <>
      <PageTitle title="Audit log" description="Append-only: the database refuses updates and deletes." />
      <PageSection>
        <LoadedView loaded={audit} isEmpty={(rows) => rows.length === 0} empty="Nothing audited yet.">
          {(rows) => (
            <SimpleTable
              label="Audit log"
              rows={rows}
              rowKey={(row) => String(row.id)}
              columns={[
                { title: 'When', cell: (row) => when(row.at) },
                { title: 'Actor', cell: (row) => row.actor },
                { title: 'Action', cell: (row) => row.action },
                { title: 'Resource', cell: (row) => `${row.resourceType} ${row.resourceId ?? ''}` },
                {
                  title: 'Change',
                  cell: (row) => (
                    <code style={{ wordBreak: 'break-all' }}>
                      {JSON.stringify({ before: row.before ?? undefined, after: row.after ?? undefined })}
                    </code>
                  ),
                },
              ]}
            />
          )}
        </LoadedView>
      </PageSection>
    </>
  );
}
