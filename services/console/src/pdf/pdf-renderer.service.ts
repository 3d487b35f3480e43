import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { chromium, type Browser } from 'playwright-core';
import type { ConsoleEnvironment } from '../config/console-environment';

/**
 * A4 PDFs of the console's own report page, printed by headless Chromium (Debian's `chromium` through
 * `playwright-core`; no browser is downloaded). The page is given as HTML that is complete in itself, with
 * JavaScript off and every network request refused: the printer sees only what the console rendered.
 */
@Injectable()
export class PdfRenderer implements OnModuleDestroy {
  private readonly logger = new Logger(PdfRenderer.name);
  private browser: Promise<Browser> | null = null;

  constructor(private readonly config: ConfigService<ConsoleEnvironment, true>) {}

  async render(html: string): Promise<Buffer> {
    const browser = await this.launched();
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    try {
      const page = await context.newPage();
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load' });
      await page.emulateMedia({ media: 'print' });
      return await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
    } finally {
      await context.close();
    }
  }

  async onModuleDestroy(): Promise<void> {
    const browser = this.browser;
    this.browser = null;
    if (browser) await (await browser.catch(() => null))?.close();
  }

  private launched(): Promise<Browser> {
    if (!this.browser) {
      const executablePath = this.config.get('CHROMIUM_PATH', { infer: true });
      const pending = chromium.launch({ executablePath, headless: true });
      pending
        .then((browser) =>
          browser.on('disconnected', () => {
            if (this.browser === pending) this.browser = null;
          }),
        )
        .catch((error: unknown) => {
          this.logger.error({ executablePath, error: String(error) }, 'chromium did not start: PDF reports are unavailable');
          if (this.browser === pending) this.browser = null;
        });
      this.browser = pending;
    }
    return this.browser;
  }
}
