"""Cross-check of `predann ingest` against an independent SciPy computation (not part of npm test).

The official mat_to_pkl.py steps, done with h5py + scipy on the same raw v7.3 file:
  onset = onset(128 event after the song trigger) - 1000; slice onset : onset + int(len/44100*1000) - 1;
  drop row 129; scipy.signal.resample(float64, int(T/8), axis=1); astype(float32).
With a fifth argument `nmedt` (for `predann ingest --filter nmedt`), the slice first goes through
the NMED-T cleaning chain with SciPy's own designs and sosfiltfilt, before resampling.
Usage (Debian's python3-h5py and python3-scipy, run with /usr/bin/python3):
  node test/crosscheck/dump-recording.mjs DATASET SUBJECT SONG > ours.f32
  /usr/bin/python3 test/crosscheck/ingest_vs_scipy.py RAW.mat SONG AUDIO_FRAMES ours.f32 [nmedt]
"""
import re
import sys

import h5py
import numpy as np
from scipy import signal

path, song, audio_frames, ours_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
with h5py.File(path, "r") as f:
    din = f["DIN_1"]
    refs = din[()]  # (events, rows) in HDF5 order; MATLAB row r of event e is refs[e, r]
    labels = ["".join(chr(c) for c in f[r][()].ravel()) for r in refs[:, 0]]
    onsets = [float(f[r][()].ravel()[0]) for r in refs[:, 1]]
    codes = [re.sub(r"\D", "", s) for s in labels]
    i = codes.index(str(song))
    assert codes[i + 1] == "128", "Trigger Error"
    onset = int(onsets[i + 1]) - 1000
    eeg_length = int(audio_frames / 44100 * 1000)
    x = f["X"][onset : onset + eeg_length - 1, :].T.astype(np.float64)  # (129, T)
x = np.delete(x, 128, 0)
if len(sys.argv) > 5 and sys.argv[5] == "nmedt":
    for sos in (signal.butter(8, 0.3, "highpass", fs=1000, output="sos"),
                signal.butter(4, [59, 61], "bandstop", fs=1000, output="sos"),
                signal.cheby1(16, 0.5, 50, "lowpass", fs=1000, output="sos")):
        x = signal.sosfiltfilt(sos, x, axis=1)
expected = signal.resample(x, int(x.shape[1] / 8), axis=1).astype(np.float32)
ours = np.fromfile(ours_path, dtype=np.float32).reshape(expected.shape)
diff = np.abs(ours.astype(np.float64) - expected.astype(np.float64))
print(f"shape {expected.shape}, max |ours - scipy| = {diff.max():.3g}, max |scipy| = {np.abs(expected).max():.3g}, "
      f"identical float32 values: {np.mean(ours == expected) * 100:.4f} %")
