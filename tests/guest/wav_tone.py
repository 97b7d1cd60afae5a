#!/usr/bin/env python3
"""Is a tone in a WAV file (16-bit PCM, any rate, first channel)? For audio a SIP program
recorded (baresip's sndfile module). Usage: wav_tone.py FREQ MIN_MS FILE...
Counts 20 ms blocks whose energy lies mostly (60 %) at FREQ (Goertzel); passes (status 0)
when one file has MIN_MS of them. Prints what each file holds."""
import math
import struct
import sys
import wave


def share(block, f, rate):
    c = 2.0 * math.cos(2.0 * math.pi * f / rate)
    s1 = s2 = 0.0
    e = 0.0
    for x in block:
        s0 = x + c * s1 - s2
        s2, s1 = s1, s0
        e += x * x
    if e / len(block) < 64.0:      # below about -60 dBm0: silence
        return 0.0
    return (s1 * s1 + s2 * s2 - c * s1 * s2) / (e * len(block) / 2.0)


def main():
    freq, min_ms, files = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    ok = False
    for name in files:
        with wave.open(name, 'rb') as w:
            rate, ch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            raw = w.readframes(w.getnframes())
        if width != 2:
            print(f"{name}: {width * 8}-bit samples, not 16")
            continue
        samples = struct.unpack(f"<{len(raw) // 2}h", raw)[::ch]
        n = rate // 50
        blocks = [samples[i:i + n] for i in range(0, len(samples) - n + 1, n)]
        hit = sum(1 for b in blocks if share(b, freq, rate) >= 0.6)
        print(f"{name}: {freq:.0f} Hz in {hit * 20} ms of {len(blocks) * 20} ms ({rate} Hz)")
        ok = ok or hit * 20 >= min_ms
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
