import {
  Alert,
  Button,
  Checkbox,
  ClipboardCopy,
  Form,
  FormGroup,
  PageSection,
  TextInput,
} from '@patternfly/react-core';
import { type FormEvent, useState } from 'react';
import { call } from '../api/client';
import { ErrorMessage, LoadedView, PageTitle, when } from '../components';
import { SimpleTable } from '../simple-table';
import { useApi } from '../use-api';

const ROLES = ['viewer', 'planner', 'approver', 'operator', 'admin'] as const;

export function TokenAdmin() {
  const tokens = useApi((signal) => call('GET /tokens', { signal }), []);
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<string[]>(['viewer']);
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<Error | undefined>();

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const result = await call('POST /tokens', {
        body: { name: name.trim(), roles: roles as Array<(typeof ROLES)[number]> },
      });
      setCreated(result.token);
      setName('');
      tokens.reload();
    } catch (failure) {
      setError(failure as Error);
    }
  };
  const revoke = async (id: string) => {
    setError(undefined);
    try {
      await call('DELETE /tokens/{id}', { path: { id } });
      tokens.reload();
    } catch (failure) {
      setError(failure as Error);
    }
  };

  return (
    <>
      <PageTitle title="API tokens" description="Stored hashed; a new token is shown once." />
      <PageSection>
        <ErrorMessage error={error} />
        <Form onSubmit={create} isHorizontal>
          <FormGroup label="Name" fieldId="token-name" isRequired>
            <TextInput id="token-name" value={name} onChange={(_, value) => setName(value)} isRequired />
          </FormGroup>
          <FormGroup label="Roles" fieldId="token-roles" role="group">
            {ROLES.map((role) => (
              <Checkbox
                key={role}
                id={`role-${role}`}
                label={role}
                isChecked={roles.includes(role)}
                onChange={(_, on) =>
                  setRoles(on ? [...roles, role] : roles.filter((value) => value !== role))
                }
              />
            ))}
          </FormGroup>
          <Button type="submit" isDisabled={!name.trim() || roles.length === 0}>
            Create token
          </Button>
        </Form>
        {created ? (
          <Alert
            variant="info"
            isInline
            title="Copy the token now: it is not shown again"
            style={{ marginTop: 12 }}
          >
            <ClipboardCopy isReadOnly hoverTip="Copy" clickTip="Copied">
              {created}
            </ClipboardCopy>
          </Alert>
        ) : null}
      </PageSection>
      <PageSection>
        <LoadedView loaded={tokens} isEmpty={(rows) => rows.length === 0} empty="No tokens yet.">
          {(rows) => (
            <SimpleTable
              label="Tokens"
              rows={rows}
              rowKey={(row) => row.id}
              columns={[
                { title: 'Name', cell: (row) => row.name },
                { title: 'Roles', cell: (row) => row.roles.join(', ') },
                { title: 'Created', cell: (row) => when(row.createdAt) },
                { title: 'Revoked', cell: (row) => when(row.revokedAt) },
                {
                  title: 'Actions',
                  visuallyHidden: true,
                  cell: (row) =>
                    row.revokedAt ? null : (
                      <Button variant="link" isDanger onClick={() => void revoke(row.id)}>
                        Revoke
                      </Button>
                    ),
                },
              ]}
            />
          )}
        </LoadedView>
      </PageSection>
    </>
  );
}
