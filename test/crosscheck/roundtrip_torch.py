"""Cross-check (not part of npm test; needs python3-torch): a predann weights file loads into a
PyTorch re-creation of the official SampleCNN2DEEG with load_state_dict(strict=True), and its eval
forward matches the logits predann's native engine wrote.

    node test/crosscheck/dump-forward.mjs RUN_OR_WEIGHTS OUT_DIR      # weights + inputs + our logits
    /usr/bin/python3 test/crosscheck/roundtrip_torch.py OUT_DIR

The module below is written from the golden README's description of the model (layer names are the
official state-dict keys)."""
import json
import struct
import sys

import numpy as np
import torch
from torch import nn

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors, header.get("__metadata__", {})


def projector(features, hidden, out):
    return nn.Sequential(nn.Linear(features, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, out, bias=False))


class Encoder(nn.Module):
    def __init__(self, channels, hidden, classes, embedding):
        super().__init__()
        c1, c2, c3 = channels
        self.sequential = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.BatchNorm2d(c1), nn.ReLU(),
            nn.Conv2d(c1, c2, 3, padding=1), nn.BatchNorm2d(c2), nn.ReLU(),
            nn.Conv2d(c2, c3, 3, padding=1), nn.BatchNorm2d(c3), nn.ReLU(),
        )
        self.projector1 = projector(c3, hidden, classes)
        self.projector2 = projector(c3, hidden, embedding)

    def forward(self, x):
        feature = self.sequential(x.unsqueeze(1)).mean(dim=(2, 3))
        return self.projector1(feature), self.projector2(feature)


def main(out_dir):
    tensors, _ = read_safetensors(f"{out_dir}/weights.safetensors")
    shape = lambda name: list(tensors[f"eeg.{name}"].shape)
    channels = [shape(f"sequential.{i}.weight")[0] for i in (0, 3, 6)]
    hidden, classes, embedding = shape("projector1.0.weight")[0], shape("projector1.3.weight")[0], shape("projector2.3.weight")[0]
    eeg = Encoder(channels, hidden, classes, embedding).eval()
    eeg.load_state_dict({k[len("eeg."):]: v for k, v in tensors.items() if k.startswith("eeg.")}, strict=True)
    inputs, _ = read_safetensors(f"{out_dir}/inputs.safetensors")
    with torch.no_grad():
        logits, z = eeg(inputs["eeg"])
    ours = inputs["logits"]
    diff = (logits - ours).abs().max().item()
    print(f"load_state_dict(strict=True): ok; max |logits − predann| = {diff:.3g} (max |logits| = {logits.abs().max().item():.3g})")
    sys.exit(0 if diff <= 1e-4 * max(1.0, logits.abs().max().item()) else 1)


if __name__ == "__main__":
    main(sys.argv[1])
