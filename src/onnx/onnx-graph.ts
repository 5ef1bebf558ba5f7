/**
 * Small typed builders for ONNX protobuf messages (onnx-proto): nodes with typed attributes,
 * initializers, value infos and a whole ModelProto. Tensors are stored as `rawData` (little-endian
 * bytes, the layout onnxruntime reads without conversion), written through a DataView so the bytes
 * are the same on any host. Exporters describe a graph with these and never touch protobuf fields
 * directly, so a typo in a field name fails type-checking instead of producing a silent empty field.
 */
import onnxProto from 'onnx-proto';

// onnx-proto is CommonJS without named exports Node can detect: take the namespace off the default.
export const onnx = onnxProto.onnx;
export type ModelProto = onnxProto.onnx.IModelProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;

const DataType = onnxProto.onnx.TensorProto.DataType;
const AttributeType = onnxProto.onnx.AttributeProto.AttributeType;

/** A float32 initializer `name` of shape `dims`, stored as little-endian raw bytes. */
export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  checkElements(name, dims, values.length);
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: bytes };
}

/**
 * A float64 initializer: for the few small tensors where float32 rounding would be amplified
 * (values given as float32 are widened exactly).
 */
export function doubleTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  checkElements(name, dims, values.length);
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(8 * i, values[i], true);
  return { name, dims: [...dims], dataType: DataType.DOUBLE, rawData: bytes };
}

/** An int64 initializer (shapes, axes), stored as little-endian raw bytes. */
export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  checkElements(name, dims, values.length);
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
  return { name, dims: [...dims], dataType: DataType.INT64, rawData: bytes };
}

function checkElements(name: string, dims: readonly number[], length: number): void {
  const expected = dims.reduce((n, d) => n * d, 1);
  if (expected !== length) throw new RangeError(`Expected ${expected} elements for tensor ${name} of shape [${dims.join(', ')}] but received ${length}`);
}

/** Typed attribute constructors: ONNX distinguishes INT from FLOAT, which a JS number cannot. */
export const attribute = {
  int: (name: string, i: number): AttributeProto => ({ name, type: AttributeType.INT, i }),
  ints: (name: string, ints: readonly number[]): AttributeProto => ({ name, type: AttributeType.INTS, ints: [...ints] }),
  float: (name: string, f: number): AttributeProto => ({ name, type: AttributeType.FLOAT, f }),
  string: (name: string, s: string): AttributeProto => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(s) }),
};

/**
 * One operator node; the node is named after its first output unless `name` is given.
 *
 * @example
 * node('Relu', ['conv1'], ['relu1']);
 * node('Softmax', ['logits'], ['probabilities'], [attribute.int('axis', 1)]);
 */
export function node(opType: string, inputs: readonly string[], outputs: readonly string[], attributes: AttributeProto[] = [], name?: string): NodeProto {
  return { opType, input: [...inputs], output: [...outputs], attribute: attributes, name: name ?? outputs[0] };
}

/** ONNX element types of the `Cast` node's `to` attribute. */
export const elementType = { float: DataType.FLOAT, double: DataType.DOUBLE, int64: DataType.INT64 } as const;

/** A dimension: a fixed size, or a symbolic name (`'batch'`) for a dynamic one. */
export type Dimension = number | string;

/** A float32 graph input or output of the given shape. */
export function floatValueInfo(name: string, shape: readonly Dimension[], docString?: string): ValueInfoProto {
  const dim = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, docString, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim } } } };
}

export interface ModelDescription {
  graphName: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  /** Default-domain opset version (e.g. 17). */
  opset: number;
  /** ONNX IR version (8 goes with opset 17 and onnx 1.12). */
  irVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  /** `metadata_props`, in insertion order. */
  metadata?: Record<string, string>;
}

/**
 * Assembles a ModelProto from a graph description.
 *
 * @example
 * const bytes = encodeModel(modelProto({ graphName: 'g', nodes, initializers, inputs, outputs, opset: 17, irVersion: 8, producerName: 'predann', producerVersion: '0.1.0' }));
 */
export function modelProto(d: ModelDescription): ModelProto {
  return {
    irVersion: d.irVersion,
    opsetImport: [{ domain: '', version: d.opset }],
    producerName: d.producerName,
    producerVersion: d.producerVersion,
    docString: d.docString,
    graph: { name: d.graphName, node: d.nodes, initializer: d.initializers, input: d.inputs, output: d.outputs },
    metadataProps: Object.entries(d.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
}

/** Serialises a ModelProto to the bytes of an `.onnx` file. */
export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish();
}

/** Parses `.onnx` bytes back into a plain object (int64 fields as numbers, bytes as Uint8Array). */
export function decodeModel(bytes: Uint8Array): ModelProto {
  return onnx.ModelProto.toObject(onnx.ModelProto.decode(bytes), { longs: Number }) as ModelProto;
}
