import { PageSection } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router-dom';
import { call } from '../api/client';
import { gib, LoadedView, PageTitle, when } from '../components';
import { useSession } from '../session';
import { useApi } from '../use-api';
import { InventoryUpload } from './inventory-upload';

export function InventoryList() {
  const session = useSession();
  const inventories = useApi((signal) => call('GET /inventories', { signal }), []);

  return (
    <>
      <PageTitle
        title="Inventories"
        description="RVTools exports (xlsx, a zip or folder of CSVs) imported so far."
      />
      {session.can('planner') ? <InventoryUpload onImported={inventories.reload} /> : null}
      <PageSection>
        <LoadedView
          loaded={inventories}
          isEmpty={(list) => list.length === 0}
          empty="Import an RVTools export to start."
        >
          {(list) => (
            <Table aria-label="Inventories" variant="compact">
              <Thead>
                <Tr>
                  <Th>Name</Th>
                  <Th>RVTools</Th>
                  <Th>VMs</Th>
                  <Th>Hosts</Th>
                  <Th>Provisioned</Th>
                  <Th>Diagnostics</Th>
                  <Th>Imported</Th>
                </Tr>
              </Thead>
              <Tbody>
                {list.map((inventory) => (
                  <Tr key={inventory.id}>
                    <Td dataLabel="Name">
                      <Link to={`/inventories/${inventory.id}`}>{inventory.name}</Link>
                    </Td>
                    <Td dataLabel="RVTools">{inventory.rvtoolsVersion ?? '—'}</Td>
                    <Td dataLabel="VMs">{inventory.summary.vms}</Td>
                    <Td dataLabel="Hosts">{inventory.summary.hosts}</Td>
                    <Td dataLabel="Provisioned">{gib(inventory.summary.provisionedGiB)}</Td>
                    <Td dataLabel="Diagnostics">
                      {inventory.summary.diagnostics.error} errors, {inventory.summary.diagnostics.warning}{' '}
                      warnings
                    </Td>
                    <Td dataLabel="Imported">{when(inventory.createdAt)}</Td>
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
