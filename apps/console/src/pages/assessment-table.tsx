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
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import { call, type QueryOf, type ResponseOf } from '../api/client';
import { ErrorMessage, mibToGib, PageTitle } from '../components';
import { useSession } from '../session';
import { useApi } from '../use-api';

type VmRow = ResponseOf<'GET /assessments/{id}/vms'>['items'][number];
type Facets = ResponseOf<'GET /assessments/{id}/vms/facets'>;
/** Small pages: each answer is parsed on the main thread while the table scrolls (~2 KB a VM). */
const PAGE = 250;
const ROW_HEIGHT = 36;
/** Rows rendered beyond the window on each side: enough for a fast wheel, few enough to render in a frame. */
const OVERSCAN = 8;

interface LoadedRows {
  /** The assessment and filters these rows answer: a new filter starts over. */
  key: string;
  total?: number | undefined;
  // By page, not by row: a page arriving copies a few dozen entries, not 10,000.
  pages: ReadonlyMap<number, VmRow[]>;
  error?: Error | undefined;
}

/**
 * Rows are fetched a page at a time as the window reaches them, so 10,000 VMs cost one page to
 * open. An answer for filters no longer shown is dropped, so rows never flash from the old filter.
 */
function usePagedVms(assessmentId: string, filterKey: string) {
  const key = `${assessmentId}?${filterKey}`;
  const [loaded, setLoaded] = useState<LoadedRows>({ key, pages: new Map() });
  const requested = useRef<{ key: string; pages: Set<number> }>({ key, pages: new Set() });
  const current: LoadedRows = loaded.key === key ? loaded : { key, pages: new Map() };

  const ensure = useCallback(
    (index: number) => {
      if (requested.current.key !== key) requested.current = { key, pages: new Set() };
      const page = Math.floor(index / PAGE);
      if (requested.current.pages.has(page)) return;
      requested.current.pages.add(page);
      const answers = (update: (rows: LoadedRows) => LoadedRows) =>
        setLoaded((previous) => {
          if (requested.current.key !== key) return previous;
          return update(previous.key === key ? previous : { key, pages: new Map() });
        });
      call('GET /assessments/{id}/vms', {
        path: { id: assessmentId },
        query: { ...(JSON.parse(filterKey) as Record<string, string>), offset: page * PAGE, limit: PAGE },
      }).then(
        (result) =>
          answers((rows) => ({
            ...rows,
            total: result.total,
            pages: new Map(rows.pages).set(page, result.items),
          })),
        (failure: Error) => answers((rows) => ({ ...rows, error: failure })),
      );
    },
    [key, assessmentId, filterKey],
  );
  const { pages } = current;
  const rowAt = useCallback(
    (index: number): VmRow | undefined => pages.get(Math.floor(index / PAGE))?.[index % PAGE],
    [pages],
  );
  return { total: current.total, pages, rowAt, error: current.error, ensure };
}

type SortKey = NonNullable<QueryOf<'GET /assessments/{id}/vms'>['sort']>;
const COLUMNS: ReadonlyArray<{ label: string; sort: SortKey; width: string }> = [
  { label: 'Name', sort: 'name', width: '28%' },
  { label: 'Disposition', sort: 'disposition', width: '14%' },
  { label: 'Effort', sort: 'effort', width: '11%' },
  { label: 'Score', sort: 'score', width: '10%' },
  { label: 'OS', sort: 'os', width: '25%' },
  { label: 'Concerns', sort: 'concerns', width: '12%' },
];
const FILTERS = ['disposition', 'concern', 'effort', 'cluster', 'os', 'search', 'sort'] as const;

interface FilterOption {
  value: string;
  label: string;
}

/**
 * The options of a filter: every distinct value among the VMs with how many it lists (the server
 * counts them as it filters), plus a deep link's value none has.
 */
function optionsOf(counted: Facets[keyof Facets] | undefined, current: string | undefined): FilterOption[] {
  const options = (counted ?? []).map(({ value, count }) => ({
    value,
    label: `${value} (${count.toLocaleString()})`,
  }));
  if (current && !options.some((option) => option.value === current))
    options.push({ value: current, label: `${current} (0)` });
  return options.sort((a, b) => a.value.localeCompare(b.value));
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
  options: readonly FilterOption[];
  onChange: (value: string) => void;
}) {
  return (
    <ToolbarItem>
      <FormSelect aria-label={label} value={value ?? ''} onChange={(_, next) => onChange(next)}>
        <FormSelectOption value="" label={every} />
        {options.map((option) => (
          <FormSelectOption key={option.value} value={option.value} label={option.label} />
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

/**
 * One VM's row. Plain elements with PatternFly's classes (a link-styled button, not a Button
 * component), memoized: scrolling renders only the rows entering the window.
 */
const VmTableRow = memo(function VmTableRow({
  index,
  row,
  selected,
  empty,
  onSelect,
}: {
  index: number;
  row: VmRow | undefined;
  selected: boolean;
  empty: boolean;
  onSelect(vmKey: string): void;
}) {
  return (
    <tr className="pf-v6-c-table__tr" aria-rowindex={index + 2} aria-selected={selected}>
      {row ? (
        <>
          <td className="pf-v6-c-table__td">
            <button
              type="button"
              className="pf-v6-c-button pf-m-link pf-m-inline"
              onClick={() => onSelect(row.vmKey)}
            >
              <span className="pf-v6-c-button__text">{row.name}</span>
            </button>
          </td>
          <td className="pf-v6-c-table__td">{row.override?.disposition ?? row.disposition}</td>
          <td className="pf-v6-c-table__td">{row.effort ?? '—'}</td>
          <td className="pf-v6-c-table__td">{row.score}</td>
          <td className="pf-v6-c-table__td">{row.os.osName ?? row.os.family}</td>
          <td className="pf-v6-c-table__td">{row.concerns.length}</td>
        </>
      ) : (
        <td className="pf-v6-c-table__td" colSpan={COLUMNS.length}>
          {empty ? 'No VM matches these filters.' : 'Loading…'}
        </td>
      )}
    </tr>
  );
});

/**
 * The virtualized grid. Scrolling re-renders this component only (not the toolbar, title or
 * drawer), and in it only the rows that entered the window.
 */
function VmGrid({
  total,
  rowAt,
  ensure,
  sort,
  selectedKey,
  onSelect,
  onSort,
}: {
  total: number | undefined;
  rowAt(index: number): VmRow | undefined;
  ensure(index: number): void;
  sort: string | undefined;
  selectedKey: string | null;
  onSelect(vmKey: string): void;
  onSort(sort: string): void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: total ?? 1,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.at(-1)?.index ?? 0;
  useEffect(() => {
    ensure(first);
    ensure(last);
  }, [first, last, ensure]);

  const virtualTop = items[0]?.start ?? 0;
  const virtualBottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  return (
    <div
      ref={scroller}
      className="flotilla-vm-grid"
      style={{ height: 'calc(100vh - 300px)', minHeight: 300 }}
    >
      <table className="pf-v6-c-table pf-m-compact" aria-label="Assessed VMs" aria-rowcount={total ?? 0}>
        <colgroup>
          {COLUMNS.map((column) => (
            <col key={column.sort} style={{ width: column.width }} />
          ))}
        </colgroup>
        <thead className="pf-v6-c-table__thead">
          <tr className="pf-v6-c-table__tr">
            {COLUMNS.map((column) => (
              <SortableHeader
                key={column.sort}
                label={column.label}
                sortKey={column.sort}
                current={sort}
                onSort={onSort}
              />
            ))}
          </tr>
        </thead>
        <tbody className="pf-v6-c-table__tbody">
          {virtualTop > 0 ? <tr style={{ height: virtualTop }} /> : null}
          {items.map((item) => {
            const row = rowAt(item.index);
            return (
              <VmTableRow
                key={item.index}
                index={item.index}
                row={row}
                selected={row !== undefined && row.vmKey === selectedKey}
                empty={total === 0}
                onSelect={onSelect}
              />
            );
          })}
          {virtualBottom > 0 ? <tr style={{ height: virtualBottom }} /> : null}
        </tbody>
      </table>
    </div>
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
  const filterKey = JSON.stringify(filter);
  // Updaters, so the callbacks stay the same across renders and memoized rows do not re-render.
  const setFilter = useCallback(
    (name: string, value: string) =>
      setParams(
        (previous) => {
          const next = new URLSearchParams(previous);
          if (value) next.set(name, value);
          else next.delete(name);
          next.delete('vm');
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );
  const select = useCallback(
    (vmKey: string | null) =>
      setParams(
        (previous) => {
          const next = new URLSearchParams(previous);
          if (vmKey) next.set('vm', vmKey);
          else next.delete('vm');
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );
  const onSort = useCallback((sort: string) => setFilter('sort', sort), [setFilter]);
  const facets = useApi((signal) => call('GET /assessments/{id}/vms/facets', { path: { id }, signal }), [id]);
  const { total, pages, rowAt, error, ensure } = usePagedVms(id, filterKey);

  const selectedKey = params.get('vm');
  const loadedRow = useMemo(() => {
    if (!selectedKey) return undefined;
    for (const page of pages.values()) {
      const found = page.find((row) => row.vmKey === selectedKey);
      if (found) return found;
    }
    return undefined;
  }, [pages, selectedKey]);
  // A deep link may name a VM the current filters hide (or one overridden since): fetch it alone.
  const fetched = useApi(
    (signal) =>
      selectedKey && !loadedRow
        ? call('GET /assessments/{id}/vms/{vmKey}', { path: { id, vmKey: selectedKey }, signal })
        : Promise.resolve(undefined),
    [id, selectedKey, Boolean(loadedRow)],
  );
  const selected: VmRow | undefined = loadedRow ?? (fetched.data as VmRow | undefined);
  const counted = facets.data;
  const filterSelects: Array<[name: keyof Facets, label: string, every: string]> = [
    ['disposition', 'Disposition', 'Every disposition'],
    ['effort', 'Effort', 'Every effort'],
    ['concern', 'Concern', 'Every concern'],
    ['cluster', 'Cluster', 'Every cluster'],
    ['os', 'OS family', 'Every OS family'],
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
        <VmDetails
          vm={selected}
          assessmentId={id}
          canOverride={session.can('planner')}
          onSaved={facets.reload}
        />
      </DrawerPanelBody>
    </DrawerPanelContent>
  ) : undefined;

  return (
    <>
      <PageTitle
        title="Assessed VMs"
        description={total === undefined ? 'Loading…' : `${total.toLocaleString()} VMs match`}
      />
      <PageSection isFilled>
        <Toolbar>
          <ToolbarContent>
            {filterSelects.map(([name, label, every]) => (
              <FilterSelect
                key={name}
                label={label}
                every={every}
                value={filter[name]}
                options={optionsOf(counted?.[name], filter[name])}
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
        <ErrorMessage error={error ?? facets.error} />
        <Drawer isExpanded={Boolean(panel)} isInline>
          <DrawerContent panelContent={panel}>
            <DrawerContentBody>
              <VmGrid
                total={total}
                rowAt={rowAt}
                ensure={ensure}
                sort={filter.sort}
                selectedKey={selectedKey}
                onSelect={select}
                onSort={onSort}
              />
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
  onSaved,
}: {
  vm: VmRow;
  assessmentId: string;
  canOverride: boolean;
  /** The disposition counts of the filters change with an override. */
  onSaved(): void;
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
      onSaved();
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
