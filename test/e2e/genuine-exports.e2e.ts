/**
 * Every genuine RVTools export of ../shared/samples/rvtools (4 files) and its real/ folder (16)
 * imports with the VM and template counts its README gives (counted independently of Flotilla),
 * and after assessment every VM has a disposition. Counting rule of the READMEs: a vInfo row is a
 * VM when its VM cell is not empty; a template when Template is True.
 */
import { describe, expect, it } from 'vitest';
import { assessInventory, defaultPolicy } from '#libs/assessment';
import { RvtoolsImportError, readRvtoolsInventory } from '#libs/rvtools';
import { realRvtoolsSample, rvtoolsSample, sharedSuite } from '../support/shared-files.js';

interface GenuineExport {
  path: string;
  vms: number;
  templates: number;
  /**
   * Where the export's date comes from: RVTools' CSV export and 3.x files have no vMetaData; null
   * when the file carries no date at all (ages are then counted to the assessment's clock).
   */
  dated: 'vMetaData' | 'newest-timestamp' | null;
}

const genuine = (
  path: string,
  vms: number,
  templates: number,
  dated: GenuineExport['dated'] = 'vMetaData',
) => ({
  path,
  vms,
  templates,
  dated,
});

const EXPORTS: GenuineExport[] = [
  genuine(rvtoolsSample('kylow-reference-RVTOOLEX.xlsx'), 133, 0),
  genuine(rvtoolsSample('migration-planner-example1.xlsx'), 9, 0, 'newest-timestamp'),
  genuine(rvtoolsSample('ibm-rvtools-small-complete.xlsx'), 3, 0, null),
  genuine(rvtoolsSample('ibm-SizingWorkshop-RVTools.xlsx'), 805, 10, null),
  genuine(
    realRvtoolsSample('neil1taylor-vcf-migration-RVTools_export_all_w082_2025-12-15_14.45.00.xlsx'),
    1288,
    0,
  ),
  genuine(realRvtoolsSample('neil1taylor-vcf-migration-RVTools_export_all_2025-09-26_13.41.46.xlsx'), 383, 5),
  genuine(realRvtoolsSample('abeggi-rvtools-report-RVTools_2024-02-27.xlsx'), 124, 0),
  genuine(realRvtoolsSample('abeggi-rvtools-report-Farm_Lonati_RVTools_export_all_30052025.xlsx'), 233, 4),
  genuine(realRvtoolsSample('abeggi-rvtools-report-BCspa1.xlsx'), 19, 0),
  genuine(realRvtoolsSample('abeggi-rvtools-report-bcspa2.xlsx'), 32, 0),
  genuine(realRvtoolsSample('Bm900086-pcmo-capability-suite-Sample_RVTool_Extract_1.xlsx'), 1304, 87),
  genuine(realRvtoolsSample('Bm900086-pcmo-capability-suite-Sample_RVTool_Extract_2.xlsx'), 339, 44),
  genuine(realRvtoolsSample('Bm900086-pcmo-capability-suite-Sample_RVTool_Extract_3.xlsx'), 655, 18),
  genuine(realRvtoolsSample('ebykk-xtra-RVTools_export_all_2021-04-21_10.48.31.xlsx'), 932, 10),
  genuine(realRvtoolsSample('vmware-archive-vmware-cloud-sizer-companion-cli-rvtools_file.xlsx'), 1100, 0),
  genuine(realRvtoolsSample('fr0gger03-flask_pandas-rvtools_file.xlsx'), 573, 36),
  genuine(realRvtoolsSample('fr0gger03-flask_pandas-rvtools_file_sample.xlsx'), 5, 0),
  // Edited exports: 79 vInfo columns deleted (no Template column), and the old `tabvInfo` naming.
  genuine(realRvtoolsSample('St7178-vantage-local-RVTools_export_all_2025COPY.xlsx'), 152, 0),
  genuine(realRvtoolsSample('licenseware-licenseware-sdk-v3-RVTools.xlsx'), 353, 0, 'newest-timestamp'),
  // RVTools' "export all to CSV": a folder of RVTools_tab*.csv files.
  genuine(realRvtoolsSample('crazy54-rv_tools_synthetic-Example-CSV'), 4, 0, 'newest-timestamp'),
];
const NO_VINFO = realRvtoolsSample('fr0gger03-flask_pandas-bad_rvtools_file.xlsx');

const suite = sharedSuite('the 20 genuine RVTools exports', ...EXPORTS.map((entry) => entry.path), NO_VINFO);

describe.skipIf(suite.skip)(suite.title, () => {
  it.each(EXPORTS.map((entry) => [entry.path.split('/').pop(), entry] as const))(
    '%s imports with its independent VM and template counts, and every VM gets a disposition',
    async (_name, entry) => {
      const inventory = await readRvtoolsInventory({ path: entry.path });
      expect(inventory.vms).toHaveLength(entry.vms);
      expect(inventory.vms.filter((vm) => vm.template)).toHaveLength(entry.templates);
      expect(inventory.source.exportedAtBasis).toBe(entry.dated);
      expect(inventory.source.exportedAt === null).toBe(entry.dated === null);

      const now = new Date('2026-12-01T00:00:00.000Z');
      const result = assessInventory(inventory, { policy: defaultPolicy, now });
      expect(result.countedTo).toBe(inventory.source.exportedAt ?? now.toISOString());
      expect(result.vms).toHaveLength(entry.vms);
      const undecided = result.vms.filter((vm) => !['rehost', 'retain', 'retire'].includes(vm.disposition));
      expect(undecided).toEqual([]);
      expect(result.summary.rehost + result.summary.retain + result.summary.retire).toBe(entry.vms);
    },
  );

  it('refuses the export whose vInfo was deleted, naming the file and the sheets it has', async () => {
    const error = await readRvtoolsInventory({ path: NO_VINFO }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RvtoolsImportError);
    expect((error as RvtoolsImportError).code).toBe('no-vinfo');
    expect((error as RvtoolsImportError).message).toMatch(
      /bad_rvtools_file\.xlsx" has no vInfo sheet.*vDisk/,
    );
  });
});
