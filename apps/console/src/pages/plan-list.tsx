import { PageSection } from '@patternfly/react-core';
import { Link } from 'react-router-dom';
import { call } from '../api/client';
import { LoadedView, PageTitle, when } from '../components';
import { SimpleTable } from '../simple-table';
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
            <SimpleTable
              label="Plans"
              rows={list}
              rowKey={(plan) => plan.id}
              columns={[
                { title: 'Name', cell: (plan) => <Link to={`/plans/${plan.id}`}>{plan.name}</Link> },
                { title: 'Status', cell: (plan) => plan.status },
                { title: 'Version', cell: (plan) => plan.version },
                { title: 'Updated', cell: (plan) => when(plan.updatedAt) },
              ]}
            />
          )}
        </LoadedView>
      </PageSection>
    </>
  );
}
