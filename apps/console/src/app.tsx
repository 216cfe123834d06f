import {
  Button,
  Masthead,
  MastheadBrand,
  MastheadContent,
  MastheadMain,
  MastheadToggle,
  Nav,
  NavItem,
  NavList,
  Page,
  PageSidebar,
  PageSidebarBody,
  PageToggleButton,
  Switch,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { useEffect, useState } from 'react';
import { Navigate, NavLink, Route, Routes, useLocation } from 'react-router-dom';
import { AssessmentDashboard } from './pages/assessment-dashboard';
import { AssessmentTable } from './pages/assessment-table';
import { AuditLog } from './pages/audit-log';
import { ExecutionView } from './pages/execution-view';
import { InventoryDetail } from './pages/inventory-detail';
import { InventoryList } from './pages/inventory-list';
import { PlanBoard } from './pages/plan-board';
import { PlanList } from './pages/plan-list';
import { SignIn } from './pages/sign-in';
import { TokenAdmin } from './pages/token-admin';
import { useSession } from './session';

const DARK_KEY = 'flotilla.dark';

function useDarkMode(): [boolean, (on: boolean) => void] {
  const [dark, setDark] = useState(() => localStorage.getItem(DARK_KEY) === '1');
  useEffect(() => {
    // PatternFly 6 switches every token to its dark value under this class.
    document.documentElement.classList.toggle('pf-v6-theme-dark', dark);
    localStorage.setItem(DARK_KEY, dark ? '1' : '0');
  }, [dark]);
  return [dark, setDark];
}

export function App() {
  const session = useSession();
  const location = useLocation();
  const [dark, setDark] = useDarkMode();
  if (session.loading) return null;
  if (!session.actor) {
    return location.pathname === '/sign-in' ? (
      <SignIn />
    ) : (
      <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />
    );
  }

  const navItem = (to: string, label: string) => (
    <NavItem isActive={location.pathname.startsWith(to)}>
      <NavLink to={to}>{label}</NavLink>
    </NavItem>
  );

  const masthead = (
    <Masthead>
      <MastheadMain>
        <MastheadToggle>
          <PageToggleButton variant="plain" aria-label="Navigation" />
        </MastheadToggle>
        <MastheadBrand>
          <span style={{ fontWeight: 700, fontSize: '1.25rem' }}>Flotilla</span>
        </MastheadBrand>
      </MastheadMain>
      <MastheadContent>
        <Toolbar isFullHeight>
          <ToolbarContent>
            <ToolbarItem align={{ default: 'alignEnd' }}>
              <Switch
                id="dark-mode"
                label="Dark"
                aria-label="Dark mode"
                isChecked={dark}
                onChange={(_, on) => setDark(on)}
              />
            </ToolbarItem>
            <ToolbarItem>
              <span>
                Signed in as {session.actor} ({session.roles.join(', ')})
              </span>
            </ToolbarItem>
            <ToolbarItem>
              <Button variant="secondary" onClick={session.signOut}>
                Sign out
              </Button>
            </ToolbarItem>
          </ToolbarContent>
        </Toolbar>
      </MastheadContent>
    </Masthead>
  );

  const sidebar = (
    <PageSidebar>
      <PageSidebarBody>
        <Nav aria-label="Flotilla">
          <NavList>
            {navItem('/inventories', 'Inventories')}
            {navItem('/plans', 'Plans')}
            {session.can('admin') ? navItem('/audit', 'Audit log') : null}
            {session.can('admin') ? navItem('/tokens', 'Tokens') : null}
          </NavList>
        </Nav>
      </PageSidebarBody>
    </PageSidebar>
  );

  return (
    <Page masthead={masthead} sidebar={sidebar} isManagedSidebar isContentFilled>
      <Routes>
        <Route path="/" element={<Navigate to="/inventories" replace />} />
        <Route path="/sign-in" element={<Navigate to="/inventories" replace />} />
        <Route path="/inventories" element={<InventoryList />} />
        <Route path="/inventories/:id" element={<InventoryDetail />} />
        <Route path="/assessments/:id" element={<AssessmentDashboard />} />
        <Route path="/assessments/:id/vms" element={<AssessmentTable />} />
        <Route path="/plans" element={<PlanList />} />
        <Route path="/plans/:id" element={<PlanBoard />} />
        <Route path="/executions/:id" element={<ExecutionView />} />
        <Route path="/audit" element={<AuditLog />} />
        <Route path="/tokens" element={<TokenAdmin />} />
        <Route path="*" element={<Navigate to="/inventories" replace />} />
      </Routes>
    </Page>
  );
}
