import { describe, expect, it } from 'vitest';
import { defaultExperimentConfig, withOverrides } from '../../sim/config';
import { applyPreset } from '../../sim/presets';
import { describeExperiment } from './experimentSummary';

describe('describeExperiment', () => {
  it('says what the default experiment does, with its workload and chip', () => {
    expect(describeExperiment(defaultExperimentConfig())).toBe(
      'VGG-8 inference on the first 1,000 CIFAR-10 test images, 3 times, through a simulated chip ' +
        '(128×128 tiles, 8-bit DAC, 8-bit calibrated ADC, ideal devices), compared with the digital ' +
        'network on the same images.',
    );
  });

  it('names the non-idealities that are on, bit-serial inputs and whole-layer tiles', () => {
    const config = withOverrides(applyPreset(defaultExperimentConfig(), 'pcm'), {
      experiment: { model: 'googlenet', images: 1, runs: 1 },
      crossbar: { tileRows: 0, tileCols: 0 },
      periphery: { dacMode: 'bitSerial', dacBits: 6, adcBits: 0 },
    });
    const text = describeExperiment(config);
    expect(text).toContain('GoogLeNet inference on the first 1 CIFAR-10 test image, once');
    expect(text).toContain('one tile per layer, 6-bit bit-serial inputs, ideal ADC');
    expect(text).toMatch(/PCM: .*drift/);
  });

  it('describes training with its images and epochs', () => {
    const config = withOverrides(defaultExperimentConfig(), {
      experiment: { routine: 'training', images: 8 },
      training: { epochs: 2, trainImages: 16 },
    });
    expect(describeExperiment(config)).toBe(
      'VGG-8 digital training for 2 epochs on the first 16 training images, tested on 8 test images.',
    );
  });
});
