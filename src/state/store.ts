/**
 * The lab's one store, made of slices (zustand's slices pattern): the experiment being edited
 * (`configSlice`), the engine worker and its data (`engineSlice`), the runs (`runsSlice`) and the
 * weights the inference runs use (`weightsSlice`). Components select the narrowest value they need:
 * `useLab((s) => s.config.periphery.adcBits)`; code outside React uses `useLab.getState()`.
 *
 * Subscribers that mirror the state elsewhere live beside it: `urlSync.ts` (the address bar) and
 * `runsPersistence.ts` (IndexedDB).
 */
import { create, type StateCreator } from 'zustand';
import { createConfigSlice, type ConfigSlice } from './slices/configSlice';
import { createEngineSlice, type EngineSlice } from './slices/engineSlice';
import { createRunsSlice, type RunsSlice } from './slices/runsSlice';
import { createWeightsSlice, type WeightsSlice } from './slices/weightsSlice';

export type LabState = ConfigSlice & EngineSlice & RunsSlice & WeightsSlice;

/** A slice's creator: it sees (and may read or set) the whole lab state. */
export type LabSlice<T> = StateCreator<LabState, [], [], T>;

export const useLab = create<LabState>()((...a) => ({
  ...createConfigSlice(...a),
  ...createEngineSlice(...a),
  ...createRunsSlice(...a),
  ...createWeightsSlice(...a),
}));
