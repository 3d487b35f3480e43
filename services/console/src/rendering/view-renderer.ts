import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import nunjucks from 'nunjucks';
import { may, type Principal } from '@dvc/auth';
import type { Permission } from '@dvc/domain';
import { translate, type Language } from '../i18n/messages';
import { formatters } from './formatters';

/** What every page knows about its request. */
export interface PageContext {
  language: Language;
  path: string;
  principal: Principal | null;
  csrfToken: string | null;
  /** A one-line confirmation after a change (post/redirect/get). */
  notice?: string | null;
}

interface NavigationItem {
  href: string;
  label: string;
  permission: Permission;
}

const NAVIGATION: ReadonlyArray<Omit<NavigationItem, 'label'> & { key: string }> = [
  { href: '/', key: 'nav.overview', permission: 'rates:read' },
  { href: '/alerts', key: 'nav.alerts', permission: 'alerts:read' },
  { href: '/targets', key: 'nav.targets', permission: 'targets:read' },
  { href: '/recipients', key: 'nav.recipients', permission: 'recipients:manage' },
  { href: '/reports', key: 'nav.reports', permission: 'reports:export' },
];

/**
 * Server-rendered pages: Nunjucks templates (autoescaping on, so every value from the API is escaped), with the
 * translation function, the number and date formats of the page's language, and the navigation its role may use.
 */
@Injectable()
export class ViewRenderer {
  private readonly environment = new nunjucks.Environment(new nunjucks.FileSystemLoader(join(__dirname, '..', 'views')), {
    autoescape: true,
    throwOnUndefined: false,
    trimBlocks: true,
    lstripBlocks: true,
  });

  render(template: string, page: PageContext, values: Record<string, unknown> = {}): string {
    const t = (key: string, parameters?: Record<string, unknown>) => translate(page.language, key, parameters);
    const navigation = page.principal
      ? NAVIGATION.filter((item) => may(page.principal!, item.permission)).map((item) => ({ href: item.href, label: t(item.key), current: isCurrent(item.href, page.path) }))
      : [];
    return this.environment.render(`${template}.njk`, {
      ...values,
      page,
      t,
      f: formatters(page.language),
      navigation,
      may: (permission: Permission) => (page.principal ? may(page.principal, permission) : false),
      otherLanguage: page.language === 'vi' ? 'en' : 'vi',
    });
  }
}

function isCurrent(href: string, path: string): boolean {
  const bare = path.split('?')[0];
  return href === '/' ? bare === '/' || bare.startsWith('/agencies/') : bare === href || bare.startsWith(`${href}/`);
}
