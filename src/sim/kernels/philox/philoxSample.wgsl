// Philox sampling program (tests and diagnostics): thread i evaluates counter
// (firstCounter + i, counterY, counterZ, counterW) under key (keyLo, keyHi) and writes 8 values at 8·i:
// the four raw words (bit patterns of u32) then the four Box–Muller normals (bit patterns of f32).
// The host reinterprets the int32 output. Library: philox.wgsl (prepended).

fn main(index : i32) {
  if (index >= uniforms.numCounters) {
    return;
  }
  let counter = vec4<u32>(uniforms.firstCounter + u32(index), uniforms.counterY, uniforms.counterZ,
                          uniforms.counterW);
  let key = vec2<u32>(uniforms.keyLo, uniforms.keyHi);
  let words = philox4x32(counter, key);
  let normals = philoxNormals(counter, key);
  let base = 8 * index;
  for (var k = 0; k < 4; k++) {
    setOutputAtIndexI32(base + k, bitcast<i32>(words[k]));
    setOutputAtIndexI32(base + 4 + k, bitcast<i32>(normals[k]));
  }
}
