"""Lossless compact codec for CIFAR-10 binary batches (10,000 records of 3,073 bytes).

Why: the GPU machine receives at most 64 MiB of carried files per call, and the six batches are
184 MB raw (170 MB gzip'd). A LOCO-I style predictor shrinks them to ~97 MiB, i.e. two carried parts.

Encoding of one batch (all arithmetic modulo 256, so it is exactly invertible):
  1. Per channel plane, predict each pixel with the MED predictor of LOCO-I / JPEG-LS
     (Weinberger, Seroussi, Sapiro, IEEE TIP 2000): a = left, b = up, c = up-left,
     p = min(a,b) if c >= max(a,b); max(a,b) if c <= min(a,b); else a + b - c.
     Row 0 uses p = left, column 0 uses p = up, pixel (0,0) uses p = 0.
  2. Residual r = x - p. Inter-channel decorrelation: store rR - rG, rG, rB - rG.
  3. Payload = labels (10,000 bytes) then residual planes channel-major [3][10000][1024],
     compressed with xz (lzma preset 9 | extreme; the xz container carries a CRC64).
Decoding is vectorised over all images with numpy (a 1,024-step loop over pixel positions).
Measured: order-0 entropy of the residuals 4.47 bits/pixel; xz reaches ~4.43.
"""

from __future__ import annotations

import lzma

import numpy as np

RECORDS = 10_000
RECORD_BYTES = 3_073
SIDE = 32


def _residuals(planes: np.ndarray) -> np.ndarray:
    """MED residuals of uint8 planes [..., 32, 32] (int16 result, not yet reduced mod 256)."""
    x = planes.astype(np.int16)
    a = np.zeros_like(x)
    b = np.zeros_like(x)
    c = np.zeros_like(x)
    a[..., :, 1:] = x[..., :, :-1]
    b[..., 1:, :] = x[..., :-1, :]
    c[..., 1:, 1:] = x[..., :-1, :-1]
    mx = np.maximum(a, b)
    mn = np.minimum(a, b)
    p = np.where(c >= mx, mn, np.where(c <= mn, mx, a + b - c))
    p[..., 0, 1:] = x[..., 0, :-1]
    p[..., 1:, 0] = x[..., :-1, 0]
    p[..., 0, 0] = 0
    return x - p


def encode_batch(raw: bytes, preset: int = 9 | lzma.PRESET_EXTREME) -> bytes:
    if len(raw) % RECORD_BYTES != 0:
        raise ValueError(f'batch size {len(raw)} is not a multiple of {RECORD_BYTES}')
    rec = np.frombuffer(raw, np.uint8).reshape(-1, RECORD_BYTES)
    labels = rec[:, 0]
    img = rec[:, 1:].reshape(-1, 3, SIDE, SIDE)
    r = _residuals(img)
    r2 = r.copy()
    r2[:, 0] -= r[:, 1]
    r2[:, 2] -= r[:, 1]
    res = (r2 & 255).astype(np.uint8).transpose(1, 0, 2, 3)  # channel-major measured smaller
    n = np.array([rec.shape[0]], '<u4').tobytes()
    payload = n + labels.tobytes() + np.ascontiguousarray(res).tobytes()
    return lzma.compress(payload, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=preset)


def decode_batch(blob: bytes) -> bytes:
    payload = lzma.decompress(blob, format=lzma.FORMAT_XZ)
    n = int(np.frombuffer(payload[:4], '<u4')[0])
    labels = np.frombuffer(payload[4 : 4 + n], np.uint8)
    res = np.frombuffer(payload[4 + n :], np.uint8).reshape(3, n, SIDE, SIDE).astype(np.int16)
    # undo inter-channel step (mod 256)
    res[0] = (res[0] + res[1]) & 255
    res[2] = (res[2] + res[1]) & 255
    # undo MED prediction position by position, vectorised over (channel, image)
    x = np.zeros((SIDE, SIDE, 3 * n), np.int16)
    r = np.ascontiguousarray(res.reshape(3 * n, SIDE, SIDE).transpose(1, 2, 0))
    for i in range(SIDE):
        for j in range(SIDE):
            if i == 0:
                p = x[0, j - 1] if j > 0 else 0
            elif j == 0:
                p = x[i - 1, 0]
            else:
                a = x[i, j - 1]
                b = x[i - 1, j]
                c = x[i - 1, j - 1]
                mx = np.maximum(a, b)
                mn = np.minimum(a, b)
                p = np.where(c >= mx, mn, np.where(c <= mn, mx, a + b - c))
            x[i, j] = (r[i, j] + p) & 255
    img = x.reshape(SIDE * SIDE, 3, n).transpose(2, 1, 0).astype(np.uint8)  # [n, 3, 1024]
    rec = np.empty((n, RECORD_BYTES), np.uint8)
    rec[:, 0] = labels
    rec[:, 1:] = img.reshape(n, 3 * SIDE * SIDE)
    return rec.tobytes()
