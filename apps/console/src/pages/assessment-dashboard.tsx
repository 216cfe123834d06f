import { Button, Card, CardBody, CardTitle, Gallery, PageSection, Spinner } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { lazy, Suspense, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { call } from '../api/client';
import { ErrorMessage, LoadedView, mibToGib, PageTitle } from '../components';
import { useSession } from '../session';
import { useApi } from '../use-api';

// Charts weigh more than the rest of the console together: they load with this page only.
const CountChart = lazy(() => import('./count-chart'));

function CountCard({
  title,
  counts,
  kind,
}: {
  title: string;
  counts: Record<string, number>;
  kind: 'donut' | 'bar';
}) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return (
    <Card>
      <CardTitle>{title}</CardTitle>
      <CardBody>
        <div style={{ display: 'flex', gap: 16, flexWrap: 'wrap' }}>
          <div style={{ width: 260, height: kind === 'donut' ? 200 : Math.max(160, entries.length * 22) }}>
            <Suspense fallback={<Spinner aria-label="Loading chart" />}>
              <CountChart title={title} entries={entries} kind={kind} />
            </Suspense>
          </div>
          <Table aria-label={`${title} numbers`} variant="compact" style={{ width: 'auto' }}>
            <Tbody>
              {entries.map(([name, count]) => (
                <Tr key={name}>
                  <Td>{name}</Td>
                  <Td style={{ textAlign: 'right' }}>{count}</Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        </div>
      </CardBody>
    </Card>
  );
}

export function AssessmentDashboard() {
  const { id = '' } = useParams();
  const session = useSession();
  const navigate = useNavigate();
  const assessment = useApi((signal) => call('GET /assessments/{id}', { path: { id }, signal }), [id]);
  const [planError, setPlanError] = useState<Error | undefined>();

  const createPlan = async () => {
    setPlanError(undefined);
    try {
      const plan = await call('POST /plans', { body: { assessmentId: id } });
      navigate(`/plans/${plan.id}`);
    } catch (error) {
      setPlanError(error as Error);
    }
  };

  return (
    <>
      <PageTitle
        title="Estate dashboard"
        description={
          assessment.data ? (
            <>
              Assessment of <Link to={`/inventories/${assessment.data.inventoryId}`}>its inventory</Link> ·{' '}
              <Link to={`/assessments/${id}/vms`}>every VM</Link>
            </>
          ) : undefined
        }
        actions={session.can('planner') ? <Button onClick={createPlan}>Plan waves</Button> : null}
      />
      <PageSection>
        <ErrorMessage error={planError} title="The plan could not be created" />
        <LoadedView loaded={assessment}>
          {(data) => {
            const summary = data.summary;
            const estate = summary.sizing.estate;
            return (
              <Gallery hasGutter minWidths={{ default: '420px' }}>
                <CountCard
                  title="Dispositions"
                  kind="donut"
                  counts={{ rehost: summary.rehost, retain: summary.retain, retire: summary.retire }}
                />
                <CountCard title="OS families" kind="bar" counts={summary.byOsFamily} />
                <CountCard title="Concerns (VMs)" kind="bar" counts={summary.byConcern} />
                <Card>
                  <CardTitle>Target sizing and transfer</CardTitle>
                  <CardBody>
                    <Table aria-label="Sizing per cluster" variant="compact">
                      <Thead>
                        <Tr>
                          <Th>Cluster</Th>
                          <Th>VMs</Th>
                          <Th>vCPU</Th>
                          <Th>Memory</Th>
                          <Th>Storage</Th>
                          <Th>Worker nodes</Th>
                        </Tr>
                      </Thead>
                      <Tbody>
                        {[
                          ...Object.entries(summary.sizing.byCluster),
                          ['Estate (rehost)', estate] as const,
                        ].map(([name, sizing]) => (
                          <Tr key={name}>
                            <Td dataLabel="Cluster">{name}</Td>
                            <Td dataLabel="VMs">{sizing.vms}</Td>
                            <Td dataLabel="vCPU">{sizing.vcpus}</Td>
                            <Td dataLabel="Memory">{mibToGib(sizing.memoryWithOverheadMiB)}</Td>
                            <Td dataLabel="Storage">{mibToGib(sizing.storageMiB)}</Td>
                            <Td dataLabel="Worker nodes">{sizing.workerNodes}</Td>
                          </Tr>
                        ))}
                      </Tbody>
                    </Table>
                    <p style={{ marginTop: 12 }}>
                      Transfer: {mibToGib(summary.transfer.dataMiB)} in about{' '}
                      {summary.transfer.hoursAtHostThroughput.toFixed(1)} hours at the hosts' throughput.
                    </p>
                  </CardBody>
                </Card>
              </Gallery>
            );
          }}
        </LoadedView>
      </PageSection>
    </>
  );
}
