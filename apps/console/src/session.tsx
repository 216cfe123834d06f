import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { call, type ResponseOf, tokenStore } from './api/client';

export type Role = 'viewer' | 'planner' | 'approver' | 'operator' | 'admin';
type WhoAmI = ResponseOf<'GET /whoami'>;

interface Session {
  actor: string | null;
  roles: readonly string[];
  loading: boolean;
  /** What the token may do; the API enforces it again on every call. */
  can(role: Role): boolean;
  signIn(token: string): Promise<void>;
  signOut(): void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [who, setWho] = useState<WhoAmI | null>(null);
  const [loading, setLoading] = useState(() => tokenStore.get() !== null);

  const signIn = useCallback(async (token: string) => {
    tokenStore.set(token);
    try {
      setWho(await call('GET /whoami', {}));
    } catch (error) {
      tokenStore.clear();
      throw error;
    }
  }, []);

  useEffect(() => {
    const token = tokenStore.get();
    if (!token) return;
    signIn(token)
      .catch(() => setWho(null))
      .finally(() => setLoading(false));
  }, [signIn]);

  const value = useMemo<Session>(
    () => ({
      actor: who?.actor ?? null,
      roles: who?.roles ?? [],
      loading,
      can: (role) => Boolean(who && (who.roles.includes('admin') || who.roles.includes(role))),
      signIn,
      signOut: () => {
        tokenStore.clear();
        setWho(null);
      },
    }),
    [who, loading, signIn],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
