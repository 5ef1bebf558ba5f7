/**
 * Building Arrow columns for the tables predann writes (predictions, embeddings): plain Int32
 * columns, nullable Int32 columns, and `FixedSizeList<Float32>[width]` columns over one flat
 * Float32Array (row-major), without copying the floats one by one.
 */
import { Data, Field, FixedSizeList, Float32, Int32, makeData, RecordBatch, Schema, Struct, Table, vectorFromArray, type DataType } from 'apache-arrow';

/** One column: its field and its data. */
export interface Column {
  field: Field;
  data: Data;
}

export function int32Column(name: string, values: Int32Array): Column {
  return { field: new Field(name, new Int32(), false), data: makeData({ type: new Int32(), length: values.length, data: values }) };
}

/** An Int32 column whose entries may be null (e.g. the song of an unlabelled recording). */
export function nullableInt32Column(name: string, values: readonly (number | null)[]): Column {
  return { field: new Field(name, new Int32(), true), data: vectorFromArray(values, new Int32()).data[0] };
}

/** A column of `DataType` from plain values (strings, booleans). */
export function valuesColumn<T extends DataType>(name: string, type: T, values: readonly unknown[]): Column {
  return { field: new Field(name, type, false), data: vectorFromArray(values as never[], type).data[0] };
}

/** `flat` holds rows × width floats, row-major. */
export function fixedSizeListColumn(name: string, flat: Float32Array, width: number, item = 'value'): Column {
  const type = new FixedSizeList(width, new Field(item, new Float32(), false));
  const child = makeData({ type: new Float32(), length: flat.length, data: flat });
  return { field: new Field(name, type, false), data: makeData({ type, length: flat.length / width, nullCount: 0, child }) };
}

/** A one-batch table of `columns` (all of one length) with schema metadata. */
export function tableOf(columns: readonly Column[], metadata: Map<string, string> = new Map()): Table {
  const fields = columns.map((c) => c.field);
  const length = columns[0]?.data.length ?? 0;
  const struct = makeData({ type: new Struct(fields), length, nullCount: 0, children: columns.map((c) => c.data) });
  return new Table([new RecordBatch(new Schema(fields, metadata), struct)]);
}
