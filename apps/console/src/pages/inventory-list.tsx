import {
  Alert,
  Button,
  FileUpload,
  PageSection,
  Progress,
  ProgressMeasureLocation,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { call, uploadWithProgress } from '../api/client';
import { gib, LoadedView, PageTitle, when } from '../components';
import { useSession } from '../session';
import { useApi } from '../use-api';

type UploadState =
  | { stage: 'idle' }
  | { stage: 'sending'; sent: number; total: number }
  | { stage: 'importing' }
  | { stage: 'failed'; message: string };

export function InventoryList() {
  const session = useSession();
  const navigate = useNavigate();
  const inventories = useApi((signal) => call('GET /inventories', { signal }), []);
  const [file, setFile] = useState<File | null>(null);
  const [upload, setUpload] = useState<UploadState>({ stage: 'idle' });

  const send = async () => {
    if (!file) return;
    const form = new FormData();
    form.append('file', file, file.name);
    setUpload({ stage: 'sending', sent: 0, total: file.size });
    try {
      const result = await uploadWithProgress('POST /inventories', form, (sent, total) =>
        setUpload(sent >= total ? { stage: 'importing' } : { stage: 'sending', sent, total }),
      );
      setUpload({ stage: 'idle' });
      navigate(`/inventories/${result.inventoryId}`);
    } catch (error) {
      setUpload({ stage: 'failed', message: (error as Error).message });
    }
  };

  return (
    <>
      <PageTitle
        title="Inventories"
        description="RVTools exports (xlsx, a zip or folder of CSVs) imported so far."
      />
      {session.can('planner') ? (
        <PageSection aria-label="Upload an RVTools export">
          <FileUpload
            id="rvtools-file"
            filename={file?.name ?? ''}
            filenamePlaceholder="Drag an RVTools export here or browse"
            browseButtonText="Browse"
            onFileInputChange={(_, chosen) => setFile(chosen)}
            onClearClick={() => setFile(null)}
            hideDefaultPreview
          />
          <div style={{ display: 'flex', gap: 16, alignItems: 'center', marginTop: 12 }}>
            <Button
              onClick={send}
              isDisabled={!file || upload.stage === 'sending' || upload.stage === 'importing'}
            >
              Import
            </Button>
            {upload.stage === 'sending' ? (
              <Progress
                aria-label="Upload progress"
                title="Sending"
                value={Math.round((upload.sent / Math.max(upload.total, 1)) * 100)}
                measureLocation={ProgressMeasureLocation.outside}
                style={{ flex: 1 }}
              />
            ) : null}
            {upload.stage === 'importing' ? (
              <Progress
                aria-label="Import progress"
                title="Importing: reading every sheet"
                value={100}
                style={{ flex: 1 }}
              />
            ) : null}
          </div>
          {upload.stage === 'failed' ? (
            <Alert variant="danger" isInline title="The import was refused" style={{ marginTop: 12 }}>
              {upload.message}
            </Alert>
          ) : null}
        </PageSection>
      ) : null}
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
