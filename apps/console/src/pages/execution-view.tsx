import {
  Button,
  Label,
  PageSection,
  Progress,
  ProgressMeasureLocation,
  ProgressSize,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { call, operationUrl, subscribeEvents } from '../api/client';
import { ErrorMessage, LoadedView, PageTitle, when } from '../components';
import { useSession } from '../session';
import { useApi } from '../use-api';

const ACTIVE = new Set(['queued', 'running', 'cancelling']);

function eta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function ExecutionView() {
  const { id = '' } = useParams();
  const session = useSession();
  const execution = useApi((signal) => call('GET /executions/{id}', { path: { id }, signal }), [id]);
  const [streamError, setStreamError] = useState<Error | undefined>();
  const [actionError, setActionError] = useState<Error | undefined>();
  const reloadRef = useRef(execution.reload);
  reloadRef.current = execution.reload;
  const status = execution.data?.status;
  const live = status === undefined || ACTIVE.has(status);

  // Each event on the stream refreshes the view, at most once a second.
  useEffect(() => {
    if (!live) return;
    let pending: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = subscribeEvents(
      operationUrl('GET /executions/{id}/stream', { id }),
      () => {
        pending ??= setTimeout(() => {
          pending = undefined;
          reloadRef.current();
        }, 1000);
      },
      setStreamError,
    );
    return () => {
      unsubscribe();
      if (pending) clearTimeout(pending);
    };
  }, [id, live]);

  const act = async (action: 'cancel' | 'retry') => {
    setActionError(undefined);
    try {
      if (action === 'cancel') await call('POST /executions/{id}/cancel', { path: { id }, body: {} });
      else await call('POST /executions/{id}/retry', { path: { id } });
      execution.reload();
    } catch (error) {
      setActionError(error as Error);
    }
  };

  return (
    <>
      <PageTitle
        title="Execution"
        description={
          execution.data ? (
            <>
              Wave {execution.data.waveNumber} of <Link to={`/plans/${execution.data.planId}`}>its plan</Link>{' '}
              · <Label>{execution.data.status}</Label> · started {when(execution.data.startedAt)}
            </>
          ) : undefined
        }
        actions={
          session.can('operator') && execution.data ? (
            <>
              {live ? (
                <Button variant="danger" onClick={() => void act('cancel')}>
                  Cancel
                </Button>
              ) : null}
              {!live && execution.data.counts.failed ? (
                <Button variant="secondary" onClick={() => void act('retry')}>
                  Retry failed VMs
                </Button>
              ) : null}
            </>
          ) : null
        }
      />
      <PageSection>
        <ErrorMessage error={actionError} />
        <ErrorMessage error={streamError} title="The live stream stopped; the page shows the last state" />
        <LoadedView loaded={execution}>
          {(data) => (
            <>
              <Progress
                title={`${data.percent.toFixed(1)} % of ${(data.bytesTotal / 2 ** 30).toFixed(1)} GiB · ETA ${eta(data.etaSeconds)}`}
                value={data.percent}
                measureLocation={ProgressMeasureLocation.none}
                aria-label="Execution progress"
              />
              <Table aria-label="VMs of the execution" variant="compact" style={{ marginTop: 16 }}>
                <Thead>
                  <Tr>
                    <Th>VM</Th>
                    <Th>Status</Th>
                    <Th>Phase</Th>
                    <Th>Disks</Th>
                    <Th>ETA</Th>
                    <Th>Error</Th>
                  </Tr>
                </Thead>
                <Tbody>
                  {data.vms.map((vm) => (
                    <Tr key={vm.vmKey}>
                      <Td dataLabel="VM">
                        {vm.name} → {vm.targetNamespace}/{vm.targetName}
                      </Td>
                      <Td dataLabel="Status">{vm.status}</Td>
                      <Td dataLabel="Phase">
                        {vm.phase} ({vm.itinerary.indexOf(vm.phase) + 1}/{vm.itinerary.length})
                      </Td>
                      <Td dataLabel="Disks">
                        {vm.disks.map((disk) => (
                          <Progress
                            key={disk.index}
                            size={ProgressSize.sm}
                            title={disk.label}
                            value={disk.capacityBytes > 0 ? (disk.bytesCopied / disk.capacityBytes) * 100 : 0}
                            aria-label={`${vm.name} ${disk.label} copied`}
                          />
                        ))}
                      </Td>
                      <Td dataLabel="ETA">{eta(vm.etaSeconds)}</Td>
                      <Td dataLabel="Error">{vm.error ? `${vm.error.phase}: ${vm.error.message}` : ''}</Td>
                    </Tr>
                  ))}
                </Tbody>
              </Table>
            </>
          )}
        </LoadedView>
      </PageSection>
    </>
  );
}
