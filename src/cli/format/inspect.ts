import { renderTemplate } from './template.js';

/**
 * What `inspect` prints, as Docker's CLI does for containers, images and volumes alike: the
 * found objects as one JSON array indented by 4, or with -f/--format the template once per
 * object, a line each.
 */
export function formatInspect(views: readonly unknown[], format: string | undefined): string {
  if (format) return views.map((v) => `${renderTemplate(format, v)}\n`).join('');
  return `${JSON.stringify(views, null, 4)}\n`;
}
