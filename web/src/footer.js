import { getHealth } from './api.js';
import { byId } from './dom.js';

/** Fills the footer's #server-version with the version /api/v1/health reports. */
export async function showServerVersion() {
  const target = byId('server-version');
  try {
    const health = await getHealth();
    target.textContent = health?.version ? `Tidecast ${health.version}` : 'Tidecast';
  } catch (error) {
    target.textContent = `Tidecast (${error.message})`;
  }
}
