import { PageSection } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router-dom';
import { call } from '../api/client';
import { LoadedView, PageTitle, when } from '../components';
import { useApi } from '../use-api';

export function PlanList() {
  const plans = useApi((signal) => call('GET /plans', { signal }), []);
  return (
    <>
      <PageTitle title="Plans" description="Wave plans; create one from an assessment's dashboard." />
      <PageSection>
        <LoadedView
          loaded={plans}
          isEmpty={(list) => list.length === 0}
          empty="No plan yet: open an assessment and choose Plan waves."
        >
          {(list) => (
            <Table aria-label="Plans" variant="compact">
              <Thead>
                <Tr>
                  <Th>Name</Th>
                  <Th>Status</Th>
                  <Th>Version</Th>
                  <Th>Updated</Th>
                </Tr>
              </Thead>
              <Tbody>
                {list.map((plan) => (
                  <Tr key={plan.id}>
                    <Td dataLabel="Name">
                      <Link to={`/plans/${plan.id}`}>{plan.name}</Link>
                    </Td>
                    <Td dataLabel="Status">{plan.status}</Td>
                    <Td dataLabel="Version">{plan.version}</Td>
                    <Td dataLabel="Updated">{when(plan.updatedAt)}</Td>
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
