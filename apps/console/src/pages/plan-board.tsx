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
import { type DragEvent, memo, useCallback, useMemo, useRef, useState } from 'react';
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

type Board = ResponseOf<'GET /plans/{id}/board'>;
type BoardWave = Board['waves'][number];
/** What the maps and report tabs need of the plan: which one, at which version. */
type PlanRef = Pick<Board, 'id' | 'version'>;
type Edit = Exclude<BodyOf<'POST /plans/{id}/edits'>, unknown[]>;
const VMS_SHOWN_PER_WAVE = 300;
const COLUMN_WIDTH = 310;

export function PlanBoard() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'waves';
  // The board, not GET /plans/{id}: a 10,000-VM plan is ~1 MB of board against ~13 MB of plan.
  const board = useApi((signal) => call('GET /plans/{id}/board', { path: { id }, signal }), [id]);
  const reload = board.reload;
  return (
    <>
      <PageTitle
        title={board.data?.name ?? 'Plan'}
        description={
          board.data ? (
            <>
              {board.data.status} · version {board.data.version} · {board.data.waves.length} waves against a
              lower bound of {board.data.lowerBoundWaves} ·{' '}
              <Link to={`/assessments/${board.data.assessmentId}`}>assessment</Link>
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
            <LoadedView loaded={board}>
              {(boardData) => <WaveBoard board={boardData} onChange={reload} />}
            </LoadedView>
          </Tab>
          <Tab eventKey="maps" title={<TabTitleText>Network and storage maps</TabTitleText>}>
            <LoadedView loaded={board}>
              {(boardData) => <MapEditor plan={boardData} onChange={reload} />}
            </LoadedView>
          </Tab>
          <Tab eventKey="manifests" title={<TabTitleText>Manifests</TabTitleText>}>
            {tab === 'manifests' ? (
              <LoadedView
                loaded={board}
                isEmpty={(data) => data.waves.length === 0}
                empty="The plan has no waves."
              >
                {(boardData) => (
                  <WaveManifests planId={id} waveNumbers={boardData.waves.map((wave) => wave.number)} />
                )}
              </LoadedView>
            ) : null}
          </Tab>
          <Tab eventKey="report" title={<TabTitleText>Report</TabTitleText>}>
            <LoadedView loaded={board}>
              {(boardData) => <ReportExchange plan={boardData} onChange={reload} />}
            </LoadedView>
          </Tab>
        </Tabs>
      </PageSection>
    </>
  );
}

/**
 * The board as it will be once the edits are applied: moves, pins and exclusions show at once,
 * while the server re-plans (seconds for 10,000 VMs) and answers the violations they leave.
 */
function withEdits(waves: readonly BoardWave[], edits: readonly Edit[]): BoardWave[] {
  if (edits.length === 0) return waves as BoardWave[];
  const next = waves.map((wave) => ({ ...wave, vms: [...wave.vms] }));
  for (const edit of edits) {
    if (edit.kind !== 'move-vm' && edit.kind !== 'pin-vm' && edit.kind !== 'exclude-vm') continue;
    const from = next.find((wave) => wave.vms.some((vm) => vm.key === edit.vmKey));
    const index = from?.vms.findIndex((vm) => vm.key === edit.vmKey) ?? -1;
    const vm = from?.vms[index];
    if (!from || !vm) continue;
    if (edit.kind === 'pin-vm') {
      from.vms[index] = { ...vm, pinned: true };
      continue;
    }
    from.vms.splice(index, 1);
    from.vmCount -= 1;
    const to = edit.kind === 'move-vm' ? next.find((wave) => wave.number === edit.toWave) : undefined;
    if (to && edit.kind === 'move-vm') {
      to.vms.unshift({ ...vm, pinned: edit.pin ?? true });
      to.vmCount += 1;
    }
  }
  return next;
}

function WaveBoard({ board, onChange }: { board: Board; onChange(): void }) {
  const session = useSession();
  const navigate = useNavigate();
  const [error, setError] = useState<Error | undefined>();
  const [notice, setNotice] = useState<string | null>(null);
  const canEdit = session.can('planner');
  const canApprove = session.can('approver');
  const canStart = session.can('operator');
  const [showViolations, setShowViolations] = useState(board.violations.total <= 5);
  // Edits sent against this version of the board: shown until the board of the next version arrives.
  const [inFlight, setInFlight] = useState<{ fromVersion: number; edits: Edit[] } | null>(null);
  const busy = inFlight !== null && inFlight.fromVersion === board.version;
  const waves = useMemo(
    () => withEdits(board.waves, busy ? inFlight.edits : []),
    [board.waves, busy, inFlight],
  );
  const boardRef = useRef<HTMLElement>(null);
  const columns = useVirtualizer({
    horizontal: true,
    count: waves.length,
    getScrollElement: () => boardRef.current,
    estimateSize: () => COLUMN_WIDTH,
    overscan: 2,
  });
  // One move control for every selected VM: a select per VM would mean waves × VMs options.
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [target, setTarget] = useState('1');
  const toggle = useCallback(
    (vmKey: string, on: boolean) =>
      setSelected((previous) => {
        const next = new Set(previous);
        if (on) next.add(vmKey);
        else next.delete(vmKey);
        return next;
      }),
    [],
  );

  const { id: planId, version } = board;
  const edit = useCallback(
    async (edits: Edit[]) => {
      setError(undefined);
      setInFlight({ fromVersion: version, edits });
      try {
        await call('POST /plans/{id}/edits', {
          path: { id: planId },
          body: edits,
          headers: { 'if-match': String(version) },
        });
        onChange();
      } catch (failure) {
        setInFlight(null);
        setError(failure as Error);
      }
    },
    [planId, version, onChange],
  );
  const applyToSelected = (make: (vmKey: string) => Edit) => {
    const edits = [...selected].map(make);
    setSelected(new Set());
    void edit(edits);
  };
  const approve = useCallback(
    async (wave: BoardWave) => {
      setError(undefined);
      if (!wave.approval) return;
      try {
        await call('POST /plans/{id}/waves/{number}/approve', {
          path: { id: planId, number: wave.number },
          body: { contentHash: wave.approval.contentHash },
          headers: { 'if-match': String(version) },
        });
        setNotice(`Wave ${wave.number} approved (content ${wave.approval.contentHash.slice(0, 12)}…)`);
        onChange();
      } catch (failure) {
        setError(failure as Error);
      }
    },
    [planId, version, onChange],
  );
  const execute = useCallback(
    async (wave: BoardWave) => {
      setError(undefined);
      try {
        const execution = await call('POST /plans/{id}/waves/{number}/execute', {
          path: { id: planId, number: wave.number },
          body: {},
        });
        navigate(`/executions/${execution.id}`);
      } catch (failure) {
        setError(failure as Error);
      }
    },
    [planId, navigate],
  );
  const onDrop = useCallback(
    (event: DragEvent, toWave: number) => {
      event.preventDefault();
      const vmKey = event.dataTransfer.getData('application/x-flotilla-vm');
      if (vmKey) void edit([{ kind: 'move-vm', vmKey, toWave }]);
    },
    [edit],
  );

  const { violations } = board;
  return (
    <>
      <AlertGroup isLiveRegion>
        {notice ? <Alert variant="success" isInline title={notice} /> : null}
      </AlertGroup>
      <ErrorMessage error={error} title="The change was refused" />
      {violations.total > 0 ? (
        <ExpandableSection
          toggleText={`${violations.total} violations (${violations.errors} errors)${busy ? ', re-checking…' : ''}`}
          isExpanded={showViolations}
          onToggle={(_, expanded) => setShowViolations(expanded)}
        >
          {/* Rendered only when open: a 10,000-VM plan may have thousands. */}
          {showViolations ? <ViolationList violations={violations} /> : null}
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
            onClick={() => applyToSelected((vmKey) => ({ kind: 'move-vm', vmKey, toWave: Number(target) }))}
          >
            Move
          </Button>
          <Button
            variant="secondary"
            isDisabled={selected.size === 0}
            onClick={() => applyToSelected((vmKey) => ({ kind: 'pin-vm', vmKey }))}
          >
            Pin
          </Button>
          <Button
            variant="secondary"
            isDisabled={selected.size === 0}
            onClick={() => applyToSelected((vmKey) => ({ kind: 'exclude-vm', vmKey }))}
          >
            Exclude
          </Button>
          <Button variant="secondary" onClick={() => void edit([{ kind: 'add-wave' }])}>
            Add a wave
          </Button>
        </div>
      ) : null}
      {/* Only the columns in view are rendered: a 10,000-VM plan has hundreds of waves. */}
      <section
        ref={boardRef}
        style={{ overflowX: 'auto', paddingBottom: 12 }}
        aria-label="Waves board"
        aria-busy={busy}
      >
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
            const wave = waves[column.index] as BoardWave;
            return (
              <WaveColumn
                key={wave.number}
                wave={wave}
                windowHours={board.cutoverWindowHours}
                canEdit={canEdit}
                canApprove={canApprove}
                canStart={canStart}
                busy={busy}
                selected={selected}
                onToggle={toggle}
                onDrop={onDrop}
                onApprove={approve}
                onStart={execute}
              />
            );
          })}
        </div>
      </section>
    </>
  );
}

function ViolationList({ violations }: { violations: Board['violations'] }) {
  return (
    <>
      <ul aria-label="Violations by kind">
        {violations.byCode.map((kind) => (
          <li key={`${kind.code}|${kind.severity}`}>
            {kind.code} ({kind.severity}): {kind.count}
          </li>
        ))}
      </ul>
      <ul aria-label="Violations">
        {violations.listed.map((violation) => (
          <li key={`${violation.code}|${violation.wave}|${violation.message}`}>
            <Label color={violation.severity === 'error' ? 'red' : 'orange'}>{violation.severity}</Label>{' '}
            {violation.wave ? `wave ${violation.wave}: ` : ''}
            {violation.message}
          </li>
        ))}
      </ul>
      {violations.total > violations.listed.length ? (
        <p>
          and {violations.total - violations.listed.length} more (each wave counts its own; the report lists
          every one)
        </p>
      ) : null}
    </>
  );
}

/** One wave: re-rendered only when its own VMs, approval or the selection change. */
const WaveColumn = memo(function WaveColumn({
  wave,
  windowHours,
  canEdit,
  canApprove,
  canStart,
  busy,
  selected,
  onToggle,
  onDrop,
  onApprove,
  onStart,
}: {
  wave: BoardWave;
  windowHours: number;
  canEdit: boolean;
  canApprove: boolean;
  canStart: boolean;
  /** Approving or starting waits for the answer to an edit: the content hash is about to change. */
  busy: boolean;
  selected: ReadonlySet<string>;
  onToggle(vmKey: string, on: boolean): void;
  onDrop(event: DragEvent, toWave: number): void;
  onApprove(wave: BoardWave): Promise<void>;
  onStart(wave: BoardWave): Promise<void>;
}) {
  const status = wave.approval?.status ?? 'draft';
  return (
    <section
      aria-label={`Wave ${wave.number}`}
      onDragOver={(event) => canEdit && event.preventDefault()}
      onDrop={(event) => onDrop(event, wave.number)}
      style={{ flex: `0 0 ${COLUMN_WIDTH - 12}px` }}
    >
      <Card isCompact>
        <CardHeader>
          <CardTitle>
            Wave {wave.number}
            {wave.pilot ? ' (pilot)' : ''} <Label>{status}</Label>
          </CardTitle>
        </CardHeader>
        <CardBody>
          <p>
            {wave.vmCount} VMs · {wave.dataGiB.toLocaleString()} GiB · {wave.estimatedHours.toFixed(1)} h of{' '}
            {windowHours} h window
          </p>
          {wave.violations.errors + wave.violations.warnings > 0 ? (
            <p>
              {wave.violations.errors} errors, {wave.violations.warnings} warnings
            </p>
          ) : null}
          <div style={{ display: 'flex', gap: 8, margin: '8px 0' }}>
            {canApprove && status !== 'approved' && status !== 'executing' ? (
              <Button size="sm" isDisabled={busy} onClick={() => void onApprove(wave)}>
                Approve
              </Button>
            ) : null}
            {canStart && status === 'approved' ? (
              <Button size="sm" variant="secondary" isDisabled={busy} onClick={() => void onStart(wave)}>
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
                onDragStart={(event) => event.dataTransfer.setData('application/x-flotilla-vm', vm.key)}
                className="flotilla-wave-vm"
              >
                <span>
                  <span>{vm.name}</span>
                  {vm.pinned ? <span className="flotilla-pinned">pinned</span> : null}
                </span>
                {canEdit ? (
                  <input
                    type="checkbox"
                    aria-label={`Select ${vm.name}`}
                    checked={selected.has(vm.key)}
                    onChange={(event) => onToggle(vm.key, event.currentTarget.checked)}
                  />
                ) : null}
              </li>
            ))}
          </ul>
          {wave.vmCount > VMS_SHOWN_PER_WAVE ? <p>and {wave.vmCount - VMS_SHOWN_PER_WAVE} more</p> : null}
        </CardBody>
      </Card>
    </section>
  );
});

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

type MapsPatch = BodyOf<'PUT /plans/{id}/maps'>;
type NetworkTarget = NonNullable<NonNullable<MapsPatch['networkMap']>[string]>;
type StorageTarget = NonNullable<NonNullable<MapsPatch['storageMap']>[string]>;

function networkTarget(source: string, text: string): NetworkTarget {
  if (text === 'pod') return { type: 'pod' };
  if (text.startsWith('multus:')) return { type: 'multus', name: text.slice('multus:'.length) };
  if (text === 'ignored') return { type: 'ignored' };
  if (text.startsWith('ignored:')) return { type: 'ignored', reason: text.slice('ignored:'.length).trim() };
  throw new Error(
    `Target of network ${source}: "${text}" is none of pod, multus:NAMESPACE/NAME, ignored:REASON`,
  );
}

function storageTarget(text: string): StorageTarget {
  if (text.startsWith('excluded:')) return { excluded: true, reason: text.slice('excluded:'.length).trim() };
  return { storageClass: text };
}

/** Each source's target as the planner types it. */
function targetTexts(entries: readonly SourceEntry[]): Record<string, string> {
  return Object.fromEntries(entries.map((entry) => [entry.source, targetText(entry.target)]));
}

/**
 * The entries the planner changed, and only those: an untouched row keeps what the text cannot show
 * (a storage entry's access mode), and an emptied row sends null, which unmaps its source.
 */
function changedEntries<T>(
  typed: Record<string, string>,
  stored: Record<string, string>,
  target: (source: string, text: string) => T,
): Record<string, T | null> {
  const patch: Record<string, T | null> = {};
  for (const [source, value] of Object.entries(typed)) {
    const text = value.trim();
    if (text === (stored[source] ?? '')) continue;
    patch[source] = text ? target(source, text) : null;
  }
  return patch;
}

function MapEditor({ plan, onChange }: { plan: PlanRef; onChange(): void }) {
  const maps = useApi(
    (signal) => call('GET /plans/{id}/maps', { path: { id: plan.id }, signal }),
    [plan.id, plan.version],
  );
  return (
    <LoadedView loaded={maps}>{(data) => <MapForm plan={plan} maps={data} onChange={onChange} />}</LoadedView>
  );
}

function MapForm({ plan, maps, onChange }: { plan: PlanRef; maps: PlanMaps; onChange(): void }) {
  const session = useSession();
  // What the server holds: a row whose text still says this is not sent.
  const storedNetworks = useMemo(() => targetTexts(maps.sources.networks), [maps]);
  const storedStorage = useMemo(() => targetTexts(maps.sources.datastores), [maps]);
  const [networks, setNetworks] = useState<Record<string, string>>(storedNetworks);
  const [storage, setStorage] = useState<Record<string, string>>(storedStorage);
  const [error, setError] = useState<Error | undefined>();
  const [saved, setSaved] = useState(false);
  const editable = session.can('planner');

  const save = async () => {
    setError(undefined);
    setSaved(false);
    try {
      const networkMap = changedEntries(networks, storedNetworks, networkTarget);
      const storageMap = changedEntries(storage, storedStorage, (_, text) => storageTarget(text));
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
        <Td dataLabel="Clear" modifier="fitContent">
          {editable ? (
            <Button
              variant="link"
              isInline
              aria-label={`Clear the target of ${kind} ${entry.source}`}
              isDisabled={!values[entry.source]}
              // Saved as null: the entry is removed and the source is unmapped again.
              onClick={() => set((previous) => ({ ...previous, [entry.source]: '' }))}
            >
              Clear
            </Button>
          ) : null}
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
            <Th screenReaderText="Clear" />
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
            <Th screenReaderText="Clear" />
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

function ReportExchange({ plan, onChange }: { plan: PlanRef; onChange(): void }) {
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
