import {
  Alert,
  Button,
  CodeBlock,
  CodeBlockCode,
  Drawer,
  DrawerActions,
  DrawerCloseButton,
  DrawerContent,
  DrawerContentBody,
  DrawerHead,
  DrawerPanelBody,
  DrawerPanelContent,
  FormGroup,
  FormSelect,
  FormSelectOption,
  Label,
  PageSection,
  SearchInput,
  TextArea,
  Title,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import { call, type QueryOf, type ResponseOf } from '../api/client';
import { ErrorMessage, mibToGib, PageTitle } from '../components';
import { useSession } from '../session';
import { useApi } from '../use-api';

type VmRow = ResponseOf<'GET /assessments/{id}/vms'>['items'][number];
const PAGE = 1000;
const ROW_HEIGHT = 36;

/** Rows are fetched a page at a time as the window reaches them, so 10,000 VMs cost one page to open. */
function usePagedVms(assessmentId: string, filter: Record<string, string>) {
  const [total, setTotal] = useState<number | undefined>();
  const [rows, setRows] = useState<Map<number, VmRow>>(new Map());
  const [error, setError] = useState<Error | undefined>();
  const requested = useRef(new Set<number>());
  const filterKey = JSON.stringify(filter);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new filter starts over.
  useEffect(() => {
    requested.current = new Set();
    setRows(new Map());
    setTotal(undefined);
    setError(undefined);
  }, [assessmentId, filterKey]);

  const ensure = useCallback(
    (index: number) => {
      const page = Math.floor(index / PAGE);
      if (requested.current.has(page)) return;
      requested.current.add(page);
      call('GET /assessments/{id}/vms', {
        path: { id: assessmentId },
        query: { ...(JSON.parse(filterKey) as Record<string, string>), offset: page * PAGE, limit: PAGE },
      }).then(
        (result) => {
          setTotal(result.total);
          setRows((previous) => {
            const next = new Map(previous);
            for (const [offset, row] of result.items.entries()) next.set(page * PAGE + offset, row);
            return next;
          });
        },
        (failure: Error) => setError(failure),
      );
    },
    [assessmentId, filterKey],
  );
  return { total, rows, error, ensure };
}

type SortKey = NonNullable<QueryOf<'GET /assessments/{id}/vms'>['sort']>;
const COLUMNS: ReadonlyArray<{ label: string; sort: SortKey }> = [
  { label: 'Name', sort: 'name' },
  { label: 'Disposition', sort: 'disposition' },
  { label: 'Effort', sort: 'effort' },
  { label: 'Score', sort: 'score' },
  { label: 'OS', sort: 'os' },
  { label: 'Concerns', sort: 'concerns' },
];
const FILTERS = ['disposition', 'concern', 'effort', 'cluster', 'os', 'search', 'sort'] as const;

/** The options of a filter: what the summary counted, plus a deep link's value it did not. */
function optionsOf(counted: Record<string, unknown> | undefined, current: string | undefined): string[] {
  const names = new Set(Object.keys(counted ?? {}));
  if (current) names.add(current);
  return [...names].sort((a, b) => a.localeCompare(b));
}

/** One filter of the toolbar: empty means every value. */
function FilterSelect({
  label,
  every,
  value,
  options,
  onChange,
}: {
  label: string;
  every: string;
  value: string | undefined;
  options: readonly string[];
  onChange: (value: string) => void;
}) {
  return (
    <ToolbarItem>
      <FormSelect aria-label={label} value={value ?? ''} onChange={(_, next) => onChange(next)}>
        <FormSelectOption value="" label={every} />
        {options.map((option) => (
          <FormSelectOption key={option} value={option} label={option} />
        ))}
      </FormSelect>
    </ToolbarItem>
  );
}

/** A column header that sorts the server's answer: ascending first, then descending. */
function SortableHeader({
  label,
  sortKey,
  current,
  onSort,
}: {
  label: string;
  sortKey: SortKey;
  current: string | undefined;
  onSort: (sort: string) => void;
}) {
  const direction = current === sortKey ? 'ascending' : current === `-${sortKey}` ? 'descending' : undefined;
  return (
    <th
      className={`pf-v6-c-table__th pf-v6-c-table__sort pf-m-nowrap${direction ? ' pf-m-selected' : ''}`}
      scope="col"
      aria-sort={direction ?? 'none'}
    >
      <button
        type="button"
        className="pf-v6-c-table__button"
        onClick={() => onSort(direction === 'ascending' ? `-${sortKey}` : sortKey)}
      >
        <span className="pf-v6-c-table__button-content">
          <span className="pf-v6-c-table__text">{label}</span>
          <span className="pf-v6-c-table__sort-indicator" aria-hidden="true">
            {direction === 'ascending' ? '▲' : direction === 'descending' ? '▼' : '⇅'}
          </span>
        </span>
      </button>
    </th>
  );
}

export function AssessmentTable() {
  const { id = '' } = useParams();
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const filter: Record<string, string> = {};
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) filter[name] = value;
  }
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    next.delete('vm');
    setParams(next, { replace: true });
  };
  const assessment = useApi((signal) => call('GET /assessments/{id}', { path: { id }, signal }), [id]);
  const { total, rows, error, ensure } = usePagedVms(id, filter);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: total ?? 1,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const items = virtualizer.getVirtualItems();
  useEffect(() => {
    ensure(0);
    for (const item of items) ensure(item.index);
  }, [items, ensure]);

  const selectedKey = params.get('vm');
  const loadedRow = selectedKey ? [...rows.values()].find((row) => row.vmKey === selectedKey) : undefined;
  // A deep link may name a VM the current filters hide (or one overridden since): fetch it alone.
  const fetched = useApi(
    (signal) =>
      selectedKey && !loadedRow
        ? call('GET /assessments/{id}/vms/{vmKey}', { path: { id, vmKey: selectedKey }, signal })
        : Promise.resolve(undefined),
    [id, selectedKey, Boolean(loadedRow)],
  );
  const selected: VmRow | undefined = loadedRow ?? (fetched.data as VmRow | undefined);
  const select = (vmKey: string | null) => {
    const next = new URLSearchParams(params);
    if (vmKey) next.set('vm', vmKey);
    else next.delete('vm');
    setParams(next, { replace: true });
  };
  const summary = assessment.data?.summary;
  const concerns = optionsOf(summary?.byConcern, filter.concern);
  // Clusters as sized (rehosted VMs) and OS families of the VMs in scope: the summary's own lists.
  const clusters = optionsOf(summary?.sizing.byCluster, filter.cluster);
  const osFamilies = optionsOf(summary?.byOsFamily, filter.os);
  const filterSelects: Array<[name: string, label: string, every: string, options: readonly string[]]> = [
    ['disposition', 'Disposition', 'Every disposition', ['rehost', 'retain', 'retire']],
    ['effort', 'Effort', 'Every effort', ['low', 'medium', 'high']],
    ['concern', 'Concern', 'Every concern', concerns],
    ['cluster', 'Cluster', 'Every cluster', clusters],
    ['os', 'OS family', 'Every OS family', osFamilies],
  ];

  const panel = selected ? (
    <DrawerPanelContent widths={{ default: 'width_50' }}>
      <DrawerHead>
        <Title headingLevel="h2">{selected.name}</Title>
        <DrawerActions>
          <DrawerCloseButton onClick={() => select(null)} />
        </DrawerActions>
      </DrawerHead>
      <DrawerPanelBody>
        <VmDetails vm={selected} assessmentId={id} canOverride={session.can('planner')} />
      </DrawerPanelBody>
    </DrawerPanelContent>
  ) : undefined;

  const virtualTop = items[0]?.start ?? 0;
  const virtualBottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);

  return (
    <>
      <PageTitle
        title="Assessed VMs"
        description={total === undefined ? 'Loading…' : `${total.toLocaleString()} VMs match`}
      />
      <PageSection isFilled>
        <Toolbar>
          <ToolbarContent>
            {filterSelects.map(([name, label, every, options]) => (
              <FilterSelect
                key={name}
                label={label}
                every={every}
                value={filter[name]}
                options={options}
                onChange={(value) => setFilter(name, value)}
              />
            ))}
            <ToolbarItem>
              <SearchInput
                aria-label="Search VM names"
                placeholder="VM name"
                value={filter.search ?? ''}
                onChange={(_, value) => setFilter('search', value)}
                onClear={() => setFilter('search', '')}
              />
            </ToolbarItem>
          </ToolbarContent>
        </Toolbar>
        <ErrorMessage error={error} />
        <Drawer isExpanded={Boolean(panel)} isInline>
          <DrawerContent panelContent={panel}>
            <DrawerContentBody>
              <div
                ref={scroller}
                className="flotilla-vm-grid"
                style={{ height: 'calc(100vh - 300px)', minHeight: 300, overflow: 'auto' }}
              >
                <table
                  className="pf-v6-c-table pf-m-compact"
                  aria-label="Assessed VMs"
                  aria-rowcount={total ?? 0}
                >
                  <thead className="pf-v6-c-table__thead">
                    <tr className="pf-v6-c-table__tr">
                      {COLUMNS.map((column) => (
                        <SortableHeader
                          key={column.sort}
                          label={column.label}
                          sortKey={column.sort}
                          current={filter.sort}
                          onSort={(sort) => setFilter('sort', sort)}
                        />
                      ))}
                    </tr>
                  </thead>
                  <tbody className="pf-v6-c-table__tbody">
                    {virtualTop > 0 ? <tr style={{ height: virtualTop }} /> : null}
                    {items.map((item) => {
                      const row = rows.get(item.index);
                      return (
                        <tr
                          key={item.index}
                          className="pf-v6-c-table__tr"
                          style={{ height: ROW_HEIGHT }}
                          aria-rowindex={item.index + 2}
                          aria-selected={row?.vmKey === selectedKey}
                        >
                          {row ? (
                            <>
                              <td className="pf-v6-c-table__td">
                                <Button variant="link" isInline onClick={() => select(row.vmKey)}>
                                  {row.name}
                                </Button>
                              </td>
                              <td className="pf-v6-c-table__td">
                                {row.override?.disposition ?? row.disposition}
                              </td>
                              <td className="pf-v6-c-table__td">{row.effort ?? '—'}</td>
                              <td className="pf-v6-c-table__td">{row.score}</td>
                              <td className="pf-v6-c-table__td">{row.os.osName ?? row.os.family}</td>
                              <td className="pf-v6-c-table__td">{row.concerns.length}</td>
                            </>
                          ) : (
                            <td className="pf-v6-c-table__td" colSpan={COLUMNS.length}>
                              {total === 0 ? 'No VM matches these filters.' : 'Loading…'}
                            </td>
                          )}
                        </tr>
                      );
                    })}
                    {virtualBottom > 0 ? <tr style={{ height: virtualBottom }} /> : null}
                  </tbody>
                </table>
              </div>
            </DrawerContentBody>
          </DrawerContent>
        </Drawer>
      </PageSection>
    </>
  );
}

function VmDetails({
  vm,
  assessmentId,
  canOverride,
}: {
  vm: VmRow;
  assessmentId: string;
  canOverride: boolean;
}) {
  const [disposition, setDisposition] = useState<string>(vm.override?.disposition ?? '');
  const [comment, setComment] = useState(vm.override?.comment ?? '');
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<Error | undefined>();

  const save = async () => {
    setError(undefined);
    setSaved(null);
    try {
      await call('PUT /assessments/{id}/vms/{vmKey}/override', {
        path: { id: assessmentId, vmKey: vm.vmKey },
        body: disposition
          ? { disposition: disposition as 'rehost' | 'retain' | 'retire', comment }
          : { disposition: null },
      });
      setSaved(disposition ? `Overridden to ${disposition}` : 'Override removed');
    } catch (failure) {
      setError(failure as Error);
    }
  };

  return (
    <>
      <p>
        <Label>{vm.override?.disposition ?? vm.disposition}</Label> effort {vm.effort ?? '—'}, score{' '}
        {vm.score}; target <code>{vm.targetName}</code>, preference <code>{vm.os.preference ?? 'none'}</code>{' '}
        ({vm.os.osName ?? vm.os.family}, {vm.os.support})
      </p>
      <p>
        Sizing: {vm.sizing.sockets * vm.sizing.coresPerSocket * vm.sizing.threads} vCPU,{' '}
        {mibToGib(vm.sizing.memoryWithOverheadMiB)} memory with overhead, {vm.sizing.disks.length} disks (
        {mibToGib(vm.sizing.disks.reduce((sum, disk) => sum + disk.requestMiB, 0))})
      </p>
      <Title headingLevel="h3" style={{ marginTop: 16 }}>
        Concerns ({vm.concerns.length})
      </Title>
      {vm.concerns.length === 0 ? <p>None.</p> : null}
      {vm.concerns.map((concern) => (
        <div key={concern.id} style={{ marginTop: 8 }}>
          <Label
            color={
              concern.severity === 'critical' ? 'red' : concern.severity === 'warning' ? 'orange' : 'blue'
            }
          >
            {concern.severity}
          </Label>{' '}
          <strong>{concern.id}</strong>: {concern.message}
          <CodeBlock>
            <CodeBlockCode>{JSON.stringify(concern.evidence, null, 2)}</CodeBlockCode>
          </CodeBlock>
        </div>
      ))}
      <Title headingLevel="h3" style={{ marginTop: 16 }}>
        Reasons
      </Title>
      <ul>
        {vm.reasons.map((reason) => (
          <li key={reason.code}>{reason.message}</li>
        ))}
      </ul>
      {canOverride ? (
        <div style={{ marginTop: 16 }}>
          <Title headingLevel="h3">Override</Title>
          <FormGroup label="Disposition" fieldId="override-disposition">
            <FormSelect
              id="override-disposition"
              value={disposition}
              onChange={(_, value) => setDisposition(value)}
            >
              <FormSelectOption value="" label="As assessed (no override)" />
              <FormSelectOption value="rehost" label="Rehost" />
              <FormSelectOption value="retain" label="Retain" />
              <FormSelectOption value="retire" label="Retire" />
            </FormSelect>
          </FormGroup>
          <FormGroup label="Comment (audited)" fieldId="override-comment">
            <TextArea id="override-comment" value={comment} onChange={(_, value) => setComment(value)} />
          </FormGroup>
          <Button
            style={{ marginTop: 8 }}
            onClick={save}
            isDisabled={Boolean(disposition) && !comment.trim()}
          >
            Save override
          </Button>
          {saved ? <Alert variant="success" isInline isPlain title={saved} /> : null}
          <ErrorMessage error={error} title="The override was refused" />
        </div>
      ) : null}
    </>
  );
}
