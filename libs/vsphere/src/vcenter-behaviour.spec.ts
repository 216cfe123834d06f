import { afterEach, describe, expect, it } from 'vitest';
import {
  type SoapStub,
  type SoapStubCall,
  type SoapStubReply,
  soapFault,
  soapResponse,
  startSoapStub,
} from '../../../test/vcsim/soap-stub.js';
import { VsphereClient, VsphereFaultError, vmRef } from './index.js';

// Behaviours of a real vCenter that vcsim 0.24 does not reproduce, scripted after vCenter 8's
// answers: paged RetrievePropertiesEx, a quoted session cookie, NotAuthenticated from the property
// collector, ToolsUnavailable from ShutdownGuest.

const SESSION_COOKIE = 'vmware_soap_session="52a1b0c3-1f2e-4d5c-9b8a-7a6f5e4d3c2b"';
const PASSWORD = `pa<ss>&"word'`;

const SERVICE_CONTENT =
  '<returnval><rootFolder type="Folder">group-d1</rootFolder>' +
  '<propertyCollector type="PropertyCollector">propertyCollector</propertyCollector>' +
  '<viewManager type="ViewManager">ViewManager</viewManager>' +
  '<about><name>VMware vCenter Server</name><fullName>VMware vCenter Server 8.0.2 build-22385739</fullName>' +
  '<apiType>VirtualCenter</apiType><apiVersion>8.0.2.0</apiVersion>' +
  '<instanceUuid>0c6e3c2e-3b8a-4a57-9d0f-1c1b3f1d2e4a</instanceUuid></about>' +
  '<sessionManager type="SessionManager">SessionManager</sessionManager>' +
  '<searchIndex type="SearchIndex">SearchIndex</searchIndex></returnval>';

function vmObject(n: number): string {
  return (
    `<objects><obj type="VirtualMachine">vm-${n}</obj>` +
    `<propSet><name>name</name><val xsi:type="xsd:string">app &amp; db ${n}</val></propSet>` +
    '<propSet><name>runtime.powerState</name><val xsi:type="VirtualMachinePowerState">poweredOn</val></propSet>' +
    '<propSet><name>runtime.host</name><val xsi:type="ManagedObjectReference" type="HostSystem">host-12</val></propSet>' +
    '</objects>'
  );
}

type Script = (call: SoapStubCall, loggedIn: boolean) => SoapStubReply | undefined;

/** Answers session and view plumbing like vCenter, delegating everything else to `script`. */
function vcenter(script: Script): (call: SoapStubCall) => SoapStubReply {
  return (call) => {
    const loggedIn = call.cookie === SESSION_COOKIE;
    const scripted = script(call, loggedIn);
    if (scripted) return scripted;
    switch (call.method) {
      case 'RetrieveServiceContent':
        return soapResponse('RetrieveServiceContent', SERVICE_CONTENT);
      case 'Login':
        return {
          ...soapResponse(
            'Login',
            '<returnval><key>52a1b0c3</key><userName>VSPHERE.LOCAL\\svc</userName></returnval>',
          ),
          setCookie: `${SESSION_COOKIE}; Path=/; HttpOnly; Secure;`,
        };
      case 'Logout':
        return soapResponse('Logout', '');
      case 'CreateContainerView':
        return soapResponse(
          'CreateContainerView',
          '<returnval type="ContainerView">session[52a1]view-7</returnval>',
        );
      case 'DestroyView':
      case 'CancelRetrievePropertiesEx':
        return soapResponse(call.method, '');
      default:
        throw new Error(`unscripted ${call.method}`);
    }
  };
}

function methods(stub: SoapStub): string[] {
  return stub.calls.map((c) => c.method);
}

describe('VsphereClient with vCenter behaviours vcsim lacks', () => {
  let stub: SoapStub | undefined;

  afterEach(async () => {
    await stub?.close();
    stub = undefined;
  });

  async function connect(script: Script): Promise<{ client: VsphereClient; stub: SoapStub }> {
    stub = await startSoapStub(vcenter(script));
    const client = await VsphereClient.connect({
      url: stub.url,
      username: 'svc@vsphere.local',
      password: PASSWORD,
      thumbprint: stub.thumbprint,
    });
    return { client, stub };
  }

  it('follows ContinueRetrievePropertiesEx tokens until the last page, then destroys the view', async () => {
    const { client, stub } = await connect((call) => {
      if (call.method === 'RetrievePropertiesEx') {
        expect(call.body).toContain('<maxObjects>2</maxObjects>');
        return soapResponse(
          'RetrievePropertiesEx',
          `<returnval><token>p1</token>${vmObject(1)}${vmObject(2)}</returnval>`,
        );
      }
      if (call.method === 'ContinueRetrievePropertiesEx') {
        if (call.body.includes('<token>p1</token>')) {
          return soapResponse(
            'ContinueRetrievePropertiesEx',
            `<returnval><token>p2</token>${vmObject(3)}${vmObject(4)}</returnval>`,
          );
        }
        return soapResponse('ContinueRetrievePropertiesEx', `<returnval>${vmObject(5)}</returnval>`);
      }
      return undefined;
    });
    const vms = await client.listVms({ pageSize: 2, paths: ['name', 'runtime.powerState', 'runtime.host'] });
    expect(vms.map((vm) => vm.moref.value)).toEqual(['vm-1', 'vm-2', 'vm-3', 'vm-4', 'vm-5']);
    expect(vms[0]).toEqual({
      moref: vmRef('vm-1'),
      name: 'app & db 1',
      powerState: 'poweredOn',
      host: { type: 'HostSystem', value: 'host-12' },
    });
    expect(methods(stub)).toEqual([
      'RetrieveServiceContent',
      'Login',
      'CreateContainerView',
      'RetrievePropertiesEx',
      'ContinueRetrievePropertiesEx',
      'ContinueRetrievePropertiesEx',
      'DestroyView',
    ]);
    await client.close();
    expect(methods(stub).at(-1)).toBe('Logout');
  });

  it('sends nothing to a server whose certificate does not match the pin', async () => {
    stub = await startSoapStub(vcenter(() => undefined));
    const wrong = `${stub.thumbprint.startsWith('00') ? '11' : '00'}${stub.thumbprint.slice(2)}`;
    await expect(
      VsphereClient.connect({
        url: stub.url,
        username: 'svc@vsphere.local',
        password: PASSWORD,
        thumbprint: wrong,
      }),
    ).rejects.toThrow(/does not match the pinned thumbprint/);
    expect(stub.calls).toEqual([]);
  });

  it('sends the quoted session cookie, the server API version and an escaped password', async () => {
    const { client, stub } = await connect(() => undefined);
    await client.close();
    const [content, login, logout] = stub.calls;
    expect(content.cookie).toBeUndefined();
    expect(login.cookie).toBeUndefined();
    expect(login.body).toContain('<password>pa&lt;ss&gt;&amp;&quot;word&apos;</password>');
    expect(logout.cookie).toBe(SESSION_COOKIE);
    expect(logout.soapAction).toBe('"urn:vim25/8.0.2.0"');
  });

  it('cancels the remaining pages and destroys the view when a page fails', async () => {
    const { client, stub } = await connect((call) => {
      if (call.method === 'RetrievePropertiesEx') {
        return soapResponse('RetrievePropertiesEx', `<returnval><token>p1</token>${vmObject(1)}</returnval>`);
      }
      if (call.method === 'ContinueRetrievePropertiesEx') {
        return soapFault('SystemError', 'A general system error occurred: vpxd is restarting');
      }
      return undefined;
    });
    const error = await client.listVms({ pageSize: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VsphereFaultError);
    expect((error as VsphereFaultError).faultName).toBe('SystemError');
    expect(methods(stub).slice(-2)).toEqual(['CancelRetrievePropertiesEx', 'DestroyView']);
    expect(stub.calls.at(-2)?.body).toContain('<token>p1</token>');
    await client.close();
  });

  it('renews a session the property collector reports as NotAuthenticated, once', async () => {
    let expired = true;
    const { client, stub } = await connect((call) => {
      if (call.method !== 'RetrievePropertiesEx') return undefined;
      if (expired) {
        expired = false;
        return soapFault(
          'NotAuthenticated',
          'The session is not authenticated.',
          '<object type="PropertyCollector">propertyCollector</object><privilegeId>System.View</privilegeId>',
        );
      }
      return soapResponse('RetrievePropertiesEx', `<returnval>${vmObject(7)}</returnval>`);
    });
    expect(await client.getVmProperties(vmRef('vm-7'), ['name'])).toMatchObject({
      moref: vmRef('vm-7'),
      name: 'app & db 7',
    });
    expect(client.loginCount).toBe(2);
    expect(methods(stub).filter((m) => m === 'Login')).toHaveLength(2);
    await client.close();
  });

  it('gives up after one renewal when the server keeps refusing the session', async () => {
    const { client, stub } = await connect((call) =>
      call.method === 'RetrievePropertiesEx'
        ? soapFault('NotAuthenticated', 'The session is not authenticated.')
        : undefined,
    );
    const error = await client.getVmProperties(vmRef('vm-7')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VsphereFaultError);
    expect((error as VsphereFaultError).faultName).toBe('NotAuthenticated');
    expect(methods(stub).filter((m) => m === 'Login')).toHaveLength(2);
    await client.close();
  });

  it('reports ToolsUnavailable from a guest shutdown with the VM it concerns', async () => {
    const { client } = await connect((call) =>
      call.method === 'ShutdownGuest'
        ? soapFault(
            'ToolsUnavailable',
            'Cannot complete operation because VMware Tools is not running in this virtual machine.',
          )
        : undefined,
    );
    const error = await client.shutdownGuest(vmRef('vm-42')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VsphereFaultError);
    const fault = error as VsphereFaultError;
    expect(fault.faultName).toBe('ToolsUnavailable');
    expect(fault.target).toEqual(vmRef('vm-42'));
    expect(fault.message).toBe(
      'vSphere ShutdownGuest on VirtualMachine:vm-42 failed with ToolsUnavailable: Cannot complete operation ' +
        'because VMware Tools is not running in this virtual machine.',
    );
    await client.close();
  });

  it('treats a Logout of an already expired session as done', async () => {
    const { client, stub } = await connect((call) =>
      call.method === 'Logout'
        ? soapFault('NotAuthenticated', 'The session is not authenticated.')
        : undefined,
    );
    await expect(client.close()).resolves.toBeUndefined();
    expect(methods(stub).at(-1)).toBe('Logout');
  });
});
