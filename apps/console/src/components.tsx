import {
  Alert,
  Bullseye,
  EmptyState,
  EmptyStateBody,
  PageSection,
  Spinner,
  Title,
} from '@patternfly/react-core';
import type { ReactNode } from 'react';
import type { Loaded } from './use-api';

export function PageTitle({
  title,
  description,
  actions,
}: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <PageSection>
      <div
        style={{
          display: 'flex',
          justifyContent: 'space-between',
          alignItems: 'center',
          gap: 16,
          flexWrap: 'wrap',
        }}
      >
        <div>
          <Title headingLevel="h1">{title}</Title>
          {description ? <p style={{ marginTop: 4 }}>{description}</p> : null}
        </div>
        {actions ? <div style={{ display: 'flex', gap: 8 }}>{actions}</div> : null}
      </div>
    </PageSection>
  );
}

export function ErrorMessage({
  error,
  title = 'The API refused',
}: {
  error: Error | undefined;
  title?: string;
}) {
  if (!error) return null;
  return (
    <Alert variant="danger" isInline title={title} role="alert">
      {error.message}
    </Alert>
  );
}

/** Loading, error and empty states for one API read, so every page has all three. */
export function LoadedView<T>({
  loaded,
  empty,
  isEmpty,
  children,
}: {
  loaded: Loaded<T>;
  empty?: string;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  if (loaded.error) return <ErrorMessage error={loaded.error} />;
  if (loaded.data === undefined) {
    return (
      <Bullseye style={{ minHeight: 120 }}>
        <Spinner aria-label="Loading" />
      </Bullseye>
    );
  }
  if (isEmpty?.(loaded.data)) {
    return (
      <EmptyState titleText="Nothing here yet" headingLevel="h2">
        <EmptyStateBody>{empty}</EmptyStateBody>
      </EmptyState>
    );
  }
  return <>{children(loaded.data)}</>;
}

export const gib = (value: number | undefined): string =>
  value === undefined ? '—' : `${value.toLocaleString('en', { maximumFractionDigits: 1 })} GiB`;
export const mibToGib = (value: number | undefined): string =>
  value === undefined ? '—' : gib(value / 1024);
export const when = (value: string | null | undefined): string =>
  value ? new Date(value).toLocaleString() : '—';
