import {
  Alert,
  AlertGroup,
  Button,
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  ExpandableSection,
  FileUpload,
  FormSelect,
  FormSelectOption,
  Label,
  PageSection,
  Tab,
  Tabs,
  TabTitleText,
  TextInput,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type DragEvent, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import {
  authHeaders,
  type BodyOf,
  call,
  operationUrl,
  type ResponseOf,
  uploadWithProgress,
} from '../api/client';
import { ErrorMessage, LoadedView, PageTitle } from '../components';
import { useSession } from '../session';
import { useApi } from '../use-api';
import { WaveManifests } from './wave-manifests';

type Wave = ResponseOf<'GET /plans/{id}/waves'>[number];
type Plan = ResponseOf<'GET /plans/{id}'>;
type Edit = Exclude<BodyOf<'POST /plans/{id}/edits'>, unknown[]>;
const VMS_SHOWN_PER_WAVE = 300;
const COLUMN_WIDTH = 310;

export function PlanBoard() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'waves';
  const plan = useApi((signal) => call('GET /plans/{id}', { path: { id }, signal }), [id]);
  const waves = useApi((signal) => call('GET /plans/{id}/waves', { path: { id }, signal }), [id]);
  const reload = () => {
    plan.reload();
    waves.reload();
  };
  return (
    <>
      <PageTitle
        title={plan.data?.name ?? 'Plan'}
        description={
          plan.data ? (
            <>
              {plan.data.status} · version {plan.data.version} · {waves.data?.length ?? '…'} waves against a
              lower bound of {plan.data.lowerBoundWaves} ·{' '}
              <Link to={`/assessments/${plan.data.assessmentId}`}>assessment</Link>
            </>
          ) : undefined
        }
      />
      <PageSection>
        <Tabs
          activeKey={tab}
          onSelect={(_, key) => setParams({ tab: String(key) }, { replace: true })}
          aria-label="Plan views"
        >
          <Tab eventKey="waves" title={<TabTitleText>Waves</TabTitleText>}>
            <LoadedView loaded={plan}>
              {(planData) => (
                <LoadedView loaded={waves}>
                  {(waveData) => <WaveBoard plan={planData} waves={waveData} onChange={reload} />}
                </LoadedView>
              )}
            </LoadedView>
          </Tab>
          <Tab eventKey="maps" title={<TabTitleText>Network and storage maps</TabTitleText>}>
            <LoadedView loaded={plan}>
              {(planData) => (
                <LoadedView loaded={waves}>
                  {() => <MapEditor plan={planData} onChange={reload} />}
                </LoadedView>
              )}
            </LoadedView>
          </Tab>
          <Tab eventKey="manifests" title={<TabTitleText>Manifests</TabTitleText>}>
            {tab === 'manifests' ? (
              <LoadedView loaded={waves} isEmpty={(data) => data.length === 0} empty="The plan has no waves.">
                {(waveData) => (
                  <WaveManifests planId={id} waveNumbers={waveData.map((wave) => wave.number)} />
                )}
              </LoadedView>
            ) : null}
          </Tab>
          <Tab eventKey="report" title={<TabTitleText>Report</TabTitleText>}>
            <LoadedView loaded={plan}>
              {(planData) => <ReportExchange plan={planData} onChange={reload} />}
            </LoadedView>
          </Tab>
        </Tabs>
      </PageSection>
    </>
  );
}

function WaveBoard({ plan, waves, onChange }: { plan: Plan; waves: Wave[]; onChange(): void }) {
  const session = useSession();
  const navigate = useNavigate();
  const [error, setError] = useState<Error | undefined>();
  const [notice, setNotice] = useState<string | null>(null);
  const canEdit = session.can('planner');
  const [showViolations, setShowViolations] = useState(plan.violations.length <= 5);
  const boardRef = useRef<HTMLElement>(null);
  const columns = useVirtualizer({
    horizontal: true,
    count: waves.length,
    getScrollElement: () => boardRef.current,
    estimateSize: () => COLUMN_WIDTH,
    overscan: 2,
  });
  // One move control for every selected VM: a select per VM would mean waves × VMs options.
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [target, setTarget] = useState('1');
  const toggle = (vmKey: string, on: boolean) =>
    setSelected((previous) => {
      const next = new Set(previous);
      if (on) next.add(vmKey);
      else next.delete(vmKey);
      return next;
    });
  const applyToSelected = async (make: (vmKey: string) => Edit) => {
    await edit([...selected].map(make));
    setSelected(new Set());
  };

  const edit = async (edits: Edit[]) => {
    setError(undefined);
    try {
      await call('POST /plans/{id}/edits', {
        path: { id: plan.id },
        body: edits,
        headers: { 'if-match': String(plan.version) },
      });
      onChange();
    } catch (failure) {
      setError(failure as Error);
    }
  };
  const approve = async (wave: Wave) => {
    setError(undefined);
    if (!wave.approval) return;
    try {
      await call('POST /plans/{id}/waves/{number}/approve', {
        path: { id: plan.id, number: wave.number },
        body: { contentHash: wave.approval.contentHash },
        headers: { 'if-match': String(plan.version) },
      });
      setNotice(`Wave ${wave.number} approved (content ${wave.approval.contentHash.slice(0, 12)}…)`);
      onChange();
    } catch (failure) {
      setError(failure as Error);
    }
  };
  const execute = async (wave: Wave) => {
    setError(undefined);
    try {
      const execution = await call('POST /plans/{id}/waves/{number}/execute', {
        path: { id: plan.id, number: wave.number },
        body: {},
      });
      navigate(`/executions/${execution.id}`);
    } catch (failure) {
      setError(failure as Error);
    }
  };
  const onDrop = (event: DragEvent, toWave: number) => {
    event.preventDefault();
    const vmKey = event.dataTransfer.getData('application/x-flotilla-vm');
    if (vmKey) void edit([{ kind: 'move-vm', vmKey, toWave }]);
  };

  return (
    <>
      <AlertGroup isLiveRegion>
        {notice ? <Alert variant="success" isInline title={notice} /> : null}
      </AlertGroup>
      <ErrorMessage error={error} title="The change was refused" />
      {plan.violations.length > 0 ? (
        <ExpandableSection
          toggleText={`${plan.violations.length} violations (${plan.violations.filter((item) => item.severity === 'error').length} errors)`}
          isExpanded={showViolations}
          onToggle={(_, expanded) => setShowViolations(expanded)}
        >
          <ul aria-label="Violations">
            {plan.violations.map((violation) => (
              <li key={`${violation.code}|${violation.wave}|${violation.message}`}>
                <Label color={violation.severity === 'error' ? 'red' : 'orange'}>{violation.severity}</Label>{' '}
                {violation.wave ? `wave ${violation.wave}: ` : ''}
                {violation.message}
              </li>
            ))}
          </ul>
        </ExpandableSection>
      ) : (
        <p>No violations.</p>
      )}
      {canEdit ? (
        <div
          role="toolbar"
          aria-label="Selected VMs"
          style={{ display: 'flex', gap: 8, margin: '12px 0', alignItems: 'center', flexWrap: 'wrap' }}
        >
          <span>{selected.size} selected</span>
          <FormSelect
            aria-label="Move selected VMs to wave"
            value={target}
            onChange={(_, value) => setTarget(value)}
            style={{ width: 140, flex: '0 0 auto' }}
          >
            {waves.map((wave) => (
              <FormSelectOption key={wave.number} value={String(wave.number)} label={`wave ${wave.number}`} />
            ))}
          </FormSelect>
          <Button
            isDisabled={selected.size === 0}
            onClick={() =>
              void applyToSelected((vmKey) => ({ kind: 'move-vm', vmKey, toWave: Number(target) }))
            }
          >
            Move
          </Button>
          <Button
            variant="secondary"
            isDisabled={selected.size === 0}
            onClick={() => void applyToSelected((vmKey) => ({ kind: 'pin-vm', vmKey }))}
          >
            Pin
          </Button>
          <Button
            variant="secondary"
            isDisabled={selected.size === 0}
            onClick={() => void applyToSelected((vmKey) => ({ kind: 'exclude-vm', vmKey }))}
          >
            Exclude
          </Button>
          <Button variant="secondary" onClick={() => void edit([{ kind: 'add-wave' }])}>
            Add a wave
          </Button>
        </div>
      ) : null}
      {/* Only the columns in view are rendered: a 10,000-VM plan has hundreds of waves. */}
      <section ref={boardRef} style={{ overflowX: 'auto', paddingBottom: 12 }} aria-label="Waves board">
        <div
          style={{
            display: 'flex',
            alignItems: 'flex-start',
            gap: 12,
            width: columns.getTotalSize(),
            paddingLeft: columns.getVirtualItems()[0]?.start ?? 0,
          }}
        >
          {columns.getVirtualItems().map((column) => {
            const wave = waves[column.index] as Wave;
            return (
              <section
                key={wave.number}
                aria-label={`Wave ${wave.number}`}
                onDragOver={(event) => canEdit && event.preventDefault()}
                onDrop={(event) => onDrop(event, wave.number)}
                style={{ flex: `0 0 ${COLUMN_WIDTH - 12}px` }}
              >
                <Card isCompact>
                  <CardHeader>
                    <CardTitle>
                      Wave {wave.number}
                      {wave.pilot ? ' (pilot)' : ''} <Label>{wave.approval?.status ?? 'draft'}</Label>
                    </CardTitle>
                  </CardHeader>
                  <CardBody>
                    <p>
                      {wave.vms.length} VMs · {wave.dataGiB.toLocaleString()} GiB ·{' '}
                      {wave.estimatedHours.toFixed(1)} h of {plan.settings.constraints.cutoverWindowHours} h
                      window
                    </p>
                    <div style={{ display: 'flex', gap: 8, margin: '8px 0' }}>
                      {session.can('approver') &&
                      wave.approval?.status !== 'approved' &&
                      wave.approval?.status !== 'executing' ? (
                        <Button size="sm" onClick={() => void approve(wave)}>
                          Approve
                        </Button>
                      ) : null}
                      {session.can('operator') && wave.approval?.status === 'approved' ? (
                        <Button size="sm" variant="secondary" onClick={() => void execute(wave)}>
                          Start
                        </Button>
                      ) : null}
                    </div>
                    <p style={{ fontSize: 12, wordBreak: 'break-all' }}>
                      Content {wave.approval?.contentHash.slice(0, 16) ?? '—'}…
                    </p>
                    <ul style={{ listStyle: 'none', padding: 0 }}>
                      {wave.vms.slice(0, VMS_SHOWN_PER_WAVE).map((vm) => (
                        <li
                          key={vm.key}
                          draggable={canEdit}
                          onDragStart={(event) =>
                            event.dataTransfer.setData('application/x-flotilla-vm', vm.key)
                          }
                          style={{
                            display: 'flex',
                            justifyContent: 'space-between',
                            gap: 4,
                            padding: '2px 0',
                          }}
                        >
                          <span>
                            <span>{vm.name}</span>
                            {vm.pinned ? (
                              <Label isCompact style={{ marginLeft: 4 }}>
                                pinned
                              </Label>
                            ) : null}
                          </span>
                          {canEdit ? (
                            <input
                              type="checkbox"
                              aria-label={`Select ${vm.name}`}
                              checked={selected.has(vm.key)}
                              onChange={(event) => toggle(vm.key, event.currentTarget.checked)}
                            />
                          ) : null}
                        </li>
                      ))}
                    </ul>
                    {wave.vms.length > VMS_SHOWN_PER_WAVE ? (
                      <p>and {wave.vms.length - VMS_SHOWN_PER_WAVE} more</p>
                    ) : null}
                  </CardBody>
                </Card>
              </section>
            );
          })}
        </div>
      </section>
    </>
  );
}

type PlanMaps = ResponseOf<'GET /plans/{id}/maps'>;
type SourceEntry = PlanMaps['sources']['networks'][number];

/** The text a planner types for a target: `pod`, `multus:NS/NAME`, `ignored[:REASON]`, a class or `excluded:REASON`. */
function targetText(target: SourceEntry['target']): string {
  if (!target) return '';
  if ('type' in target) {
    if (target.type === 'multus') return `multus:${target.name}`;
    if (target.type === 'ignored') return target.reason ? `ignored:${target.reason}` : 'ignored';
    return target.type;
  }
  if ('excluded' in target) return `excluded:${target.reason}`;
  return target.storageClass;
}

function networkTarget(text: string): unknown {
  if (text.startsWith('multus:')) return { type: 'multus', name: text.slice('multus:'.length) };
  if (text === 'ignored') return { type: 'ignored' };
  if (text.startsWith('ignored:')) return { type: 'ignored', reason: text.slice('ignored:'.length).trim() };
  return { type: text };
}

function storageTarget(text: string): unknown {
  if (text.startsWith('excluded:')) return { excluded: true, reason: text.slice('excluded:'.length).trim() };
  return { storageClass: text };
}

function MapEditor({ plan, onChange }: { plan: Plan; onChange(): void }) {
  const maps = useApi(
    (signal) => call('GET /plans/{id}/maps', { path: { id: plan.id }, signal }),
    [plan.id, plan.version],
  );
  return (
    <LoadedView loaded={maps}>{(data) => <MapForm plan={plan} maps={data} onChange={onChange} />}</LoadedView>
  );
}

function MapForm({ plan, maps, onChange }: { plan: Plan; maps: PlanMaps; onChange(): void }) {
  const session = useSession();
  const [networks, setNetworks] = useState<Record<string, string>>(() =>
    Object.fromEntries(maps.sources.networks.map((entry) => [entry.source, targetText(entry.target)])),
  );
  const [storage, setStorage] = useState<Record<string, string>>(() =>
    Object.fromEntries(maps.sources.datastores.map((entry) => [entry.source, targetText(entry.target)])),
  );
  const [error, setError] = useState<Error | undefined>();
  const [saved, setSaved] = useState(false);
  const editable = session.can('planner');

  const save = async () => {
    setError(undefined);
    setSaved(false);
    const networkMap: Record<string, unknown> = {};
    for (const [source, value] of Object.entries(networks))
      if (value.trim()) networkMap[source] = networkTarget(value.trim());
    const storageMap: Record<string, unknown> = {};
    for (const [source, value] of Object.entries(storage))
      if (value.trim()) storageMap[source] = storageTarget(value.trim());
    try {
      await call('PUT /plans/{id}/maps', {
        path: { id: plan.id },
        body: { networkMap, storageMap },
        headers: { 'if-match': String(plan.version) },
      });
      setSaved(true);
      onChange();
    } catch (failure) {
      setError(failure as Error);
    }
  };

  const rows = (
    kind: 'network' | 'datastore',
    entries: SourceEntry[],
    values: Record<string, string>,
    set: (update: (previous: Record<string, string>) => Record<string, string>) => void,
  ) =>
    entries.map((entry) => (
      <Tr key={entry.source}>
        <Td dataLabel="Source">
          {entry.source}
          {entry.unnamed ? (
            <Label isCompact style={{ marginLeft: 4 }}>
              not named by the export
            </Label>
          ) : null}
        </Td>
        <Td dataLabel="Used by">
          {entry.vms} VMs in waves {entry.waves.join(', ')} ({entry.exampleVms.slice(0, 3).join(', ')})
        </Td>
        <Td dataLabel="Target">
          <TextInput
            aria-label={
              kind === 'network'
                ? `Target of network ${entry.source}`
                : `Storage class of datastore ${entry.source}`
            }
            value={values[entry.source] ?? ''}
            placeholder="unmapped"
            isDisabled={!editable}
            // An updater, not a spread of this render's values: fast typing in several rows must not
            // lose the earlier rows' changes to a stale closure.
            onChange={(_, value) => set((previous) => ({ ...previous, [entry.source]: value }))}
          />
        </Td>
      </Tr>
    ));

  return (
    <>
      <ErrorMessage error={error} title="The maps were refused" />
      {saved ? (
        <Alert variant="success" isInline isPlain title="Maps saved; the plan was re-planned." />
      ) : null}
      <Table aria-label="Network map" variant="compact">
        <Thead>
          <Tr>
            <Th>Source network</Th>
            <Th>Used by</Th>
            <Th>Target: pod, multus:NAMESPACE/NAME, or ignored:REASON</Th>
          </Tr>
        </Thead>
        <Tbody>{rows('network', maps.sources.networks, networks, setNetworks)}</Tbody>
      </Table>
      <Table aria-label="Storage map" variant="compact" style={{ marginTop: 16 }}>
        <Thead>
          <Tr>
            <Th>Source datastore</Th>
            <Th>Used by</Th>
            <Th>Storage class, or excluded:REASON</Th>
          </Tr>
        </Thead>
        <Tbody>{rows('datastore', maps.sources.datastores, storage, setStorage)}</Tbody>
      </Table>
      {editable ? (
        <Button style={{ marginTop: 12 }} onClick={save}>
          Save maps
        </Button>
      ) : null}
    </>
  );
}

function ReportExchange({ plan, onChange }: { plan: Plan; onChange(): void }) {
  const session = useSession();
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<ResponseOf<'POST /plans/{id}/import-edits'> | null>(null);
  const [error, setError] = useState<Error | undefined>();

  const download = async () => {
    setError(undefined);
    try {
      const response = await fetch(operationUrl('GET /plans/{id}/report.xlsx', { id: plan.id }), {
        headers: authHeaders(),
      });
      if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = `flotilla-plan-${plan.id.slice(0, 8)}.xlsx`;
      link.click();
      URL.revokeObjectURL(url);
    } catch (failure) {
      setError(failure as Error);
    }
  };
  const upload = async () => {
    if (!file) return;
    setError(undefined);
    const form = new FormData();
    form.append('file', file, file.name);
    try {
      setResult(
        await uploadWithProgress('POST /plans/{id}/import-edits', form, () => undefined, { id: plan.id }),
      );
      onChange();
    } catch (failure) {
      setError(failure as Error);
    }
  };

  return (
    <>
      <ErrorMessage error={error} />
      <Button onClick={download}>Download the wave report (xlsx)</Button>
      {session.can('planner') ? (
        <div style={{ marginTop: 16 }}>
          <FileUpload
            id="edited-report"
            filename={file?.name ?? ''}
            filenamePlaceholder="An edited wave report"
            browseButtonText="Browse"
            onFileInputChange={(_, chosen) => setFile(chosen)}
            onClearClick={() => setFile(null)}
            hideDefaultPreview
          />
          <Button style={{ marginTop: 8 }} onClick={upload} isDisabled={!file}>
            Load edits back
          </Button>
        </div>
      ) : null}
      {result ? (
        <section aria-label="Load-back result">
          <pre style={{ marginTop: 12, whiteSpace: 'pre-wrap' }}>{JSON.stringify(result, null, 2)}</pre>
        </section>
      ) : null}
    </>
  );
}
