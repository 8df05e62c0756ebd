// The fusion-api command: built from src/fusion-api-entry.ts into fusion-api/ by scripts/bundle.ts.
import './fusion-api/index.js';
