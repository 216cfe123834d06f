import {
  Button,
  CodeBlock,
  CodeBlockCode,
  Content,
  FormSelect,
  FormSelectOption,
  Grid,
  GridItem,
  Menu,
  MenuContent,
  MenuGroup,
  MenuItem,
  MenuList,
  Title,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { useSearchParams } from 'react-router-dom';
import { call, type ResponseOf } from '../api/client';
import { LoadedView } from '../components';
import { useApi } from '../use-api';

type Manifests = ResponseOf<'GET /plans/{id}/waves/{number}/manifests'>;
type ManifestFile = Manifests['files'][number];

/** One multi-document YAML stream, as `kubectl apply -f` and GitOps tools read it. */
export function yamlStream(files: readonly ManifestFile[]): string {
  return files.map((file) => `# ${file.path}\n${file.yaml}`).join('---\n');
}

function downloadText(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}

function byVm(files: readonly ManifestFile[]): Map<string, ManifestFile[]> {
  const groups = new Map<string, ManifestFile[]>();
  for (const file of files) {
    const key = `${file.namespace}/${file.vm}`;
    groups.set(key, [...(groups.get(key) ?? []), file]);
  }
  return groups;
}

/**
 * The GitOps review of a wave: the files the executor would apply, VM by VM, each shown as YAML;
 * the wave and the file are in the URL so a reviewer can link to one manifest.
 */
export function WaveManifests({ planId, waveNumbers }: { planId: string; waveNumbers: number[] }) {
  const [params, setParams] = useSearchParams();
  const wave = Number(params.get('wave') ?? waveNumbers[0] ?? 1);
  const set = (name: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value === null) next.delete(name);
    else next.set(name, value);
    if (name === 'wave') next.delete('file');
    setParams(next, { replace: true });
  };
  const manifests = useApi(
    (signal) =>
      call('GET /plans/{id}/waves/{number}/manifests', { path: { id: planId, number: wave }, signal }),
    [planId, wave],
  );
  return (
    <>
      <Toolbar>
        <ToolbarContent>
          <ToolbarItem>
            <FormSelect aria-label="Wave" value={String(wave)} onChange={(_, value) => set('wave', value)}>
              {waveNumbers.map((number) => (
                <FormSelectOption key={number} value={String(number)} label={`Wave ${number}`} />
              ))}
            </FormSelect>
          </ToolbarItem>
          <ToolbarItem>
            <Button
              variant="secondary"
              isDisabled={!manifests.data}
              onClick={() =>
                manifests.data &&
                downloadText(
                  yamlStream(manifests.data.files),
                  `flotilla-plan-${planId.slice(0, 8)}-wave-${wave}.yaml`,
                )
              }
            >
              Download all as one YAML stream
            </Button>
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      <LoadedView
        loaded={manifests}
        isEmpty={(data) => data.files.length === 0}
        empty="This wave has no manifests."
      >
        {(data) => {
          const selected = data.files.find((file) => file.path === params.get('file')) ?? data.files[0];
          return (
            <>
              <Content component="p">
                {data.files.length} manifests for {data.vms} VMs, as the executor would apply them (secret
                values are placeholders).
              </Content>
              <Grid hasGutter>
                <GridItem md={4}>
                  <Menu
                    aria-label="Manifest files"
                    selected={selected?.path}
                    onSelect={(_, path) => set('file', String(path))}
                    isScrollable
                  >
                    <MenuContent maxMenuHeight="calc(100vh - 360px)">
                      {[...byVm(data.files)].map(([vm, files]) => (
                        <MenuGroup key={vm} label={vm}>
                          <MenuList>
                            {files.map((file) => (
                              <MenuItem
                                key={file.path}
                                itemId={file.path}
                                isSelected={file.path === selected?.path}
                              >
                                {file.path.slice(vm.length + 1)}
                              </MenuItem>
                            ))}
                          </MenuList>
                        </MenuGroup>
                      ))}
                    </MenuContent>
                  </Menu>
                </GridItem>
                <GridItem md={8}>
                  {selected ? (
                    <>
                      <Title headingLevel="h3">{selected.path}</Title>
                      <CodeBlock>
                        <CodeBlockCode>{selected.yaml}</CodeBlockCode>
                      </CodeBlock>
                    </>
                  ) : null}
                </GridItem>
              </Grid>
            </>
          );
        }}
      </LoadedView>
    </>
  );
}
