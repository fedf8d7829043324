import { Browser, chromium } from 'playwright-core';
import { findBinary } from './processes';

/** Debian's chromium, headless, driven by playwright-core (no browser download). */
export function headlessChromium(): Promise<Browser> {
  // root has no user namespace sandbox here; the pages loaded are our own, on loopback
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? findBinary('chromium'), headless: true, args: ['--no-sandbox'] });
}
