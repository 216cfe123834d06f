import {
  Alert,
  Button,
  FileUpload,
  PageSection,
  Progress,
  ProgressMeasureLocation,
} from '@patternfly/react-core';
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { call, type ResponseOf, uploadWithProgress } from '../api/client';

type ImportJob = ResponseOf<'GET /inventory-imports/{id}'>;

type UploadState =
  | { stage: 'idle' }
  | { stage: 'sending'; sent: number; total: number }
  | { stage: 'importing'; job: ImportJob | null }
  | { stage: 'failed'; message: string };

/** How often the import is asked how far it is. */
const POLL_MS = 300;

const count = (value: number): string => value.toLocaleString('en');
const megabytes = (bytes: number): string =>
  `${(bytes / 1024 / 1024).toLocaleString('en', { maximumFractionDigits: 1 })} MB`;

/** What the server says it is doing, in words: the sheet, rows and VMs so far, the bytes inflated. */
export function importStageText(job: ImportJob | null): string {
  if (!job) return 'Sent; waiting for the server to start reading';
  const { progress } = job;
  if (job.stage === 'storing') {
    return `Storing: ${count(progress.vmsStored)} of ${count(progress.vmsFound)} VMs written`;
  }
  if (job.stage === 'succeeded') return `Imported: ${count(progress.vmsFound)} VMs stored`;
  if (progress.sheet === null) return 'Reading the export';
  const bytes =
    progress.inflatedBytes !== null && progress.totalInflatedBytes
      ? ` (${megabytes(progress.inflatedBytes)} of ${megabytes(progress.totalInflatedBytes)} inflated)`
      : '';
  return `Reading sheet ${progress.sheet}: ${count(progress.rowsRead)} rows read, ${count(progress.vmsFound)} VMs found${bytes}`;
}

/**
 * The upload of an RVTools export: the bytes sent (XHR upload progress), then the import as the
 * server reports it (POST /inventory-imports, then polling its Location), then the inventory.
 */
export function InventoryUpload({ onImported }: { onImported: () => void }) {
  const navigate = useNavigate();
  const [file, setFile] = useState<File | null>(null);
  const [upload, setUpload] = useState<UploadState>({ stage: 'idle' });
  const unmounted = useRef(false);
  useEffect(() => {
    unmounted.current = false;
    return () => {
      unmounted.current = true;
    };
  }, []);

  const follow = async (id: string): Promise<ImportJob> => {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      const job = await call('GET /inventory-imports/{id}', { path: { id } });
      if (unmounted.current) return job;
      setUpload({ stage: 'importing', job });
      if (job.stage === 'succeeded' || job.stage === 'failed') return job;
    }
  };

  const send = async () => {
    if (!file) return;
    const form = new FormData();
    form.append('file', file, file.name);
    setUpload({ stage: 'sending', sent: 0, total: file.size });
    try {
      const started = await uploadWithProgress('POST /inventory-imports', form, (sent, total) =>
        setUpload(sent >= total ? { stage: 'importing', job: null } : { stage: 'sending', sent, total }),
      );
      setUpload({ stage: 'importing', job: started });
      const job = await follow(started.id);
      if (unmounted.current) return;
      if (job.result) {
        setUpload({ stage: 'idle' });
        onImported();
        navigate(`/inventories/${job.result.inventoryId}`);
      } else {
        setUpload({ stage: 'failed', message: job.error?.message ?? 'The import failed' });
      }
    } catch (error) {
      if (!unmounted.current) setUpload({ stage: 'failed', message: (error as Error).message });
    }
  };

  const busy = upload.stage === 'sending' || upload.stage === 'importing';
  return (
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
        <Button onClick={send} isDisabled={!file || busy}>
          Import
        </Button>
        {upload.stage === 'sending' ? (
          <Progress
            aria-label="Upload progress"
            title={`Sending: ${megabytes(upload.sent)} of ${megabytes(upload.total)}`}
            value={Math.round((upload.sent / Math.max(upload.total, 1)) * 100)}
            measureLocation={ProgressMeasureLocation.outside}
            style={{ flex: 1 }}
          />
        ) : null}
        {upload.stage === 'importing' ? <ImportProgress job={upload.job} /> : null}
      </div>
      {upload.stage === 'failed' ? (
        <Alert variant="danger" isInline title="The import was refused" style={{ marginTop: 12 }}>
          {upload.message}
        </Alert>
      ) : null}
    </PageSection>
  );
}

function ImportProgress({ job }: { job: ImportJob | null }) {
  const percent = job?.progress.percent ?? null;
  return (
    <Progress
      aria-label="Import progress"
      title={importStageText(job)}
      // Without a byte count (a CSV file) the reading has no known end: the bar shows no number then.
      value={percent === null ? 0 : Math.round(percent)}
      measureLocation={percent === null ? ProgressMeasureLocation.none : ProgressMeasureLocation.outside}
      aria-live="polite"
      style={{ flex: 1 }}
    />
  );
}
