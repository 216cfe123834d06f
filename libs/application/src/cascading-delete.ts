import type { AccessStore, CascadeRoot, CascadeStore, Principal } from '#libs/persistence';
import { notFound, unfinishedExecutions } from './errors.js';

const LABEL: Record<CascadeRoot, string> = { inventory: 'Inventory', assessment: 'Assessment', plan: 'Plan' };

/**
 * Deletes an inventory, assessment or plan with what cascades from it, unless an execution beneath
 * is unfinished (409 naming it); the audit entry (`<root>.delete`) records `before` and, in
 * `after.removed`, the rows that went with it, in the same transaction.
 */
export async function deleteAudited(
  cascade: CascadeStore,
  access: AccessStore,
  principal: Principal,
  target: { root: CascadeRoot; id: string; before: unknown },
): Promise<void> {
  const { root, id } = target;
  const result = await cascade.deleteUnlessExecuting(root, id, (removed, manager) =>
    access.appendAudit(
      {
        actor: principal.actor,
        action: `${root}.delete`,
        resourceType: root,
        resourceId: id,
        before: target.before,
        after: { removed },
      },
      manager,
    ),
  );
  if (result.outcome === 'missing') throw notFound(LABEL[root], id);
  if (result.outcome === 'blocked') throw unfinishedExecutions(LABEL[root], id, result.unfinished);
}
