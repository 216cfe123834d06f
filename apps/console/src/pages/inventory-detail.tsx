import {
  Button,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  FormSelect,
  FormSelectOption,
  PageSection,
  SearchInput,
  Title,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { call } from '../api/client';
import { ErrorMessage, gib, LoadedView, PageTitle, when } from '../components';
import { useSession } from '../session';
import { useApi } from '../use-api';

export function InventoryDetail() {
  const { id = '' } = useParams();
  const session = useSession();
  const navigate = useNavigate();
  const inventory = useApi((signal) => call('GET /inventories/{id}', { path: { id }, signal }), [id]);
  const assessments = useApi(
    (signal) => call('GET /inventories/{id}/assessments', { path: { id }, signal }),
    [id],
  );
  const [severity, setSeverity] = useState('');
  const [sheet, setSheet] = useState('');
  const [text, setText] = useState('');
  const [assessError, setAssessError] = useState<Error | undefined>();
  const [assessing, setAssessing] = useState(false);

  const diagnostics = inventory.data?.diagnostics ?? [];
  const sheets = useMemo(
    () => [...new Set(diagnostics.map((item) => item.sheet ?? ''))].sort(),
    [diagnostics],
  );
  const shown = diagnostics.filter(
    (item) =>
      (!severity || item.severity === severity) &&
      (!sheet || (item.sheet ?? '') === sheet) &&
      (!text || item.message.toLowerCase().includes(text.toLowerCase())),
  );

  const assess = async () => {
    setAssessing(true);
    setAssessError(undefined);
    try {
      const result = await call('POST /inventories/{id}/assessments', { path: { id }, body: {} });
      navigate(`/assessments/${result.assessmentId}`);
    } catch (error) {
      setAssessError(error as Error);
    } finally {
      setAssessing(false);
    }
  };

  return (
    <>
      <PageTitle
        title={inventory.data?.name ?? 'Inventory'}
        description={
          inventory.data
            ? `${inventory.data.fileName} · RVTools ${inventory.data.rvtoolsVersion ?? 'unknown'}`
            : undefined
        }
        actions={
          session.can('planner') ? (
            <Button onClick={assess} isLoading={assessing} isDisabled={assessing}>
              Assess
            </Button>
          ) : null
        }
      />
      <PageSection>
        <ErrorMessage error={assessError} title="The assessment failed" />
        <LoadedView loaded={inventory}>
          {(data) => (
            <DescriptionList isHorizontal columnModifier={{ default: '3Col' }} aria-label="Import summary">
              {(
                [
                  ['VMs', data.summary.vms],
                  ['Templates', data.summary.templates],
                  ['Powered on', data.summary.poweredOn],
                  ['Hosts', data.summary.hosts],
                  ['Clusters', data.summary.clusters],
                  ['Datastores', data.summary.datastores],
                  ['Networks', data.summary.networks],
                  ['Disks', data.summary.disks],
                  ['vCPUs', data.summary.vcpus],
                  ['Memory', gib(data.summary.memoryGiB)],
                  ['Provisioned', gib(data.summary.provisionedGiB)],
                  ['In use', gib(data.summary.inUseGiB)],
                ] as const
              ).map(([term, value]) => (
                <DescriptionListGroup key={term}>
                  <DescriptionListTerm>{term}</DescriptionListTerm>
                  <DescriptionListDescription>{value}</DescriptionListDescription>
                </DescriptionListGroup>
              ))}
            </DescriptionList>
          )}
        </LoadedView>
      </PageSection>
      <PageSection>
        <Title headingLevel="h2">Assessments</Title>
        <LoadedView loaded={assessments} isEmpty={(list) => list.length === 0} empty="Not assessed yet.">
          {(list) => (
            <Table aria-label="Assessments" variant="compact">
              <Thead>
                <Tr>
                  <Th>Assessed</Th>
                  <Th>Rehost</Th>
                  <Th>Retain</Th>
                  <Th>Retire</Th>
                  <Th>Open</Th>
                </Tr>
              </Thead>
              <Tbody>
                {list.map((assessment) => (
                  <Tr key={assessment.id}>
                    <Td dataLabel="Assessed">{when(assessment.assessedAt)}</Td>
                    <Td dataLabel="Rehost">{assessment.summary.rehost}</Td>
                    <Td dataLabel="Retain">{assessment.summary.retain}</Td>
                    <Td dataLabel="Retire">{assessment.summary.retire}</Td>
                    <Td dataLabel="Open">
                      <Link to={`/assessments/${assessment.id}`}>Dashboard</Link> ·{' '}
                      <Link to={`/assessments/${assessment.id}/vms`}>VMs</Link>
                    </Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
          )}
        </LoadedView>
      </PageSection>
      <PageSection>
        <Title headingLevel="h2">Diagnostics ({diagnostics.length})</Title>
        <Toolbar>
          <ToolbarContent>
            <ToolbarItem>
              <FormSelect aria-label="Severity" value={severity} onChange={(_, value) => setSeverity(value)}>
                <FormSelectOption value="" label="Every severity" />
                <FormSelectOption value="error" label="Errors" />
                <FormSelectOption value="warning" label="Warnings" />
                <FormSelectOption value="info" label="Information" />
              </FormSelect>
            </ToolbarItem>
            <ToolbarItem>
              <FormSelect aria-label="Sheet" value={sheet} onChange={(_, value) => setSheet(value)}>
                <FormSelectOption value="" label="Every sheet" />
                {sheets.map((name) => (
                  <FormSelectOption key={name} value={name} label={name || '(file)'} />
                ))}
              </FormSelect>
            </ToolbarItem>
            <ToolbarItem>
              <SearchInput
                aria-label="Search diagnostics"
                value={text}
                onChange={(_, value) => setText(value)}
              />
            </ToolbarItem>
          </ToolbarContent>
        </Toolbar>
        {shown.length === 0 ? (
          <p>No diagnostics match.</p>
        ) : (
          <Table aria-label="Diagnostics" variant="compact">
            <Thead>
              <Tr>
                <Th>Severity</Th>
                <Th>Sheet</Th>
                <Th>Row</Th>
                <Th>Column</Th>
                <Th>Message</Th>
              </Tr>
            </Thead>
            <Tbody>
              {shown.slice(0, 500).map((item) => (
                <Tr key={`${item.severity}|${item.sheet}|${item.row}|${item.column}|${item.message}`}>
                  <Td dataLabel="Severity">{item.severity}</Td>
                  <Td dataLabel="Sheet">{item.sheet ?? '—'}</Td>
                  <Td dataLabel="Row">{item.row ?? '—'}</Td>
                  <Td dataLabel="Column">{item.column ?? '—'}</Td>
                  <Td dataLabel="Message">{item.message}</Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </PageSection>
    </>
  );
}
