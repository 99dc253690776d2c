// The few eBPF instructions the device filter needs, and their 8-byte wire encoding
// (include/uapi/linux/bpf.h, struct bpf_insn): opcode u8, dst_reg:4 | src_reg:4 << 4, off s16,
// imm s32, little-endian. Hand-built because the program is tiny (a handful of compares per
// rule) and no maintained eBPF assembler exists on npm; keeping it here makes it unit-testable.

/** Opcodes used (class | op | source). */
export const OP = {
  LDXW: 0x61, // BPF_LDX | BPF_MEM | BPF_W: dst = *(u32 *)(src + off)
  AND32_K: 0x54, // BPF_ALU | BPF_AND | BPF_K: dst = (u32)(dst & imm)
  RSH32_K: 0x74, // BPF_ALU | BPF_RSH | BPF_K: dst = (u32)dst >> imm
  MOV32_X: 0xbc, // BPF_ALU | BPF_MOV | BPF_X: dst = (u32)src
  MOV64_K: 0xb7, // BPF_ALU64 | BPF_MOV | BPF_K: dst = imm
  JNE_K: 0x55, // BPF_JMP | BPF_JNE | BPF_K: if dst != imm goto pc + 1 + off
  JNE_X: 0x5d, // BPF_JMP | BPF_JNE | BPF_X: if dst != src goto pc + 1 + off
  EXIT: 0x95, // BPF_JMP | BPF_EXIT: return r0
} as const;

export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

export const insn = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });

export const INSN_SIZE = 8;

/** The program as the kernel reads it (BPF_PROG_LOAD's insns). */
export function encode(prog: readonly Insn[]): Buffer {
  const b = Buffer.alloc(prog.length * INSN_SIZE);
  prog.forEach((i, n) => {
    const o = n * INSN_SIZE;
    b.writeUInt8(i.code, o);
    b.writeUInt8((i.dst & 0x0f) | ((i.src & 0x0f) << 4), o + 1);
    b.writeInt16LE(i.off, o + 2);
    b.writeInt32LE(i.imm, o + 4);
  });
  return b;
}

export function decode(b: Buffer): Insn[] {
  if (b.length % INSN_SIZE !== 0) throw new Error(`bpf: program length ${b.length} is not a multiple of ${INSN_SIZE}`);
  const out: Insn[] = [];
  for (let o = 0; o < b.length; o += INSN_SIZE) {
    const regs = b.readUInt8(o + 1);
    out.push({ code: b.readUInt8(o), dst: regs & 0x0f, src: regs >> 4, off: b.readInt16LE(o + 2), imm: b.readInt32LE(o + 4) });
  }
  return out;
}
