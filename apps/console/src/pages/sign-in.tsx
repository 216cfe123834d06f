import {
  ActionGroup,
  Alert,
  Bullseye,
  Button,
  Card,
  CardBody,
  CardTitle,
  Form,
  FormGroup,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { type FormEvent, useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { useSession } from '../session';

export function SignIn() {
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.signIn(token.trim());
      const from = (location.state as { from?: string } | null)?.from;
      navigate(from && from !== '/sign-in' ? from : '/inventories', { replace: true });
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main>
      <Bullseye style={{ minHeight: '100vh' }}>
        <Card style={{ width: 420 }}>
          <CardTitle>
            <Title headingLevel="h1">Sign in to Flotilla</Title>
          </CardTitle>
          <CardBody>
            <Form onSubmit={submit}>
              {error ? <Alert variant="danger" isInline title={error} /> : null}
              <FormGroup label="API token" isRequired fieldId="token">
                <TextInput
                  id="token"
                  type="password"
                  value={token}
                  onChange={(_, value) => setToken(value)}
                  isRequired
                  autoComplete="off"
                />
              </FormGroup>
              <p>
                A token from <code>flotilla token create --name NAME --role ROLE</code> or from an admin. It
                is kept in this tab only.
              </p>
              <ActionGroup>
                <Button type="submit" isDisabled={!token.trim() || busy} isLoading={busy}>
                  Sign in
                </Button>
              </ActionGroup>
            </Form>
          </CardBody>
        </Card>
      </Bullseye>
    </main>
  );
}
