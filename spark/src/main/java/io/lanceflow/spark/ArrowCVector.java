package io.lanceflow.spark;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarMap;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * A Spark column over one Arrow array exported through the Arrow C Data Interface, read in place.
 *
 * <p>The vector is built once per column from the producer's ArrowSchema (its format string
 * gives the physical layout) and the column's Spark type, then bound to each batch's ArrowArray.
 * Getters convert the physical layout to what Spark's type expects, value by value: every integer
 * width to long, half floats to float, timestamps of any unit to microseconds (nanoseconds
 * floored), date64 to days, dictionary indices to their values, fixed-size lists to arrays.
 *
 * <p>Struct layouts read here (64-bit): ArrowSchema {format, name, metadata, flags, n_children,
 * children, dictionary, release, private_data}; ArrowArray {length, null_count, offset, n_buffers,
 * n_children, buffers, children, dictionary, release, private_data}.
 */
final class ArrowCVector extends ColumnVector {
  private static final int BOOL = 1;
  private static final int I8 = 2;
  private static final int U8 = 3;
  private static final int I16 = 4;
  private static final int U16 = 5;
  private static final int I32 = 6;
  private static final int U32 = 7;
  private static final int I64 = 8;
  private static final int U64 = 9;
  private static final int F16 = 10;
  private static final int F32 = 11;
  private static final int F64 = 12;
  private static final int UTF8 = 13;
  private static final int LARGE_UTF8 = 14;
  private static final int BINARY = 15;
  private static final int LARGE_BINARY = 16;
  private static final int FIXED_BINARY = 17;
  private static final int DECIMAL128 = 18;
  private static final int DATE32 = 19;
  private static final int DATE64 = 20;
  private static final int TIMESTAMP = 21;
  private static final int LIST = 22;
  private static final int LARGE_LIST = 23;
  private static final int FIXED_LIST = 24;
  private static final int STRUCT = 25;
  private static final int NULL = 26;

  private final int kind;
  private final String format;
  private final int width;  // fixed-size list size or fixed binary width
  private final int tsUnit;  // TIMESTAMP: 0 s, 1 ms, 2 us, 3 ns
  private final ArrowCVector[] children;  // list and fixed list: [element]; struct: fields
  private final ArrowCVector dictionary;  // values when dictionary encoded (kind = index type)
  private final int column;  // top-level columns: index among the batch's children

  // Bound to the current array.
  private long validity;
  private long data;
  private long offsets;
  private long base;  // logical index of row 0: the array's offset plus a struct parent's
  private int length;
  private long nullCount;

  private ArrowCVector(
      DataType type, String format, long schema, int column) {
    super(type);
    this.format = format;
    this.column = column;
    long dict = Platform.getLong(null, schema + 48);
    int w = 0;
    int unit = 0;
    ArrowCVector[] kids = new ArrowCVector[0];
    int k = kindOf(format);
    if (k == TIMESTAMP) {
      unit = "smun".indexOf(format.charAt(2));
    } else if (k == FIXED_LIST || k == FIXED_BINARY) {
      w = parseWidth(format);
    }
    long nChildren = Platform.getLong(null, schema + 32);
    long childPtrs = Platform.getLong(null, schema + 40);
    if (k == LIST || k == LARGE_LIST || k == FIXED_LIST) {
      if (!(type instanceof ArrayType) || nChildren != 1) throw mismatch(type, format);
      long child = Platform.getLong(null, childPtrs);
      kids = new ArrowCVector[] {
          create(((ArrayType) type).elementType(), child, -1)};
    } else if (k == STRUCT) {
      if (!(type instanceof StructType)) throw mismatch(type, format);
      StructField[] fields = ((StructType) type).fields();
      kids = new ArrowCVector[fields.length];
      for (int i = 0; i < fields.length; ++i) {
        int at = childIndex(schema, fields[i].name());
        long child = Platform.getLong(null, childPtrs + 8L * at);
        kids[i] = create(fields[i].dataType(), child, at);
      }
    }
    this.kind = k;
    this.width = w;
    this.tsUnit = unit;
    this.children = kids;
    this.dictionary = dict == 0 ? null : create(type, dict, -1);
  }

  private static ArrowCVector create(DataType type, long schema, int column) {
    return new ArrowCVector(type, cString(Platform.getLong(null, schema)), schema, column);
  }

  /** The vector for one top-level column of a reader whose ArrowSchema is `schema` ("+s"). */
  static ArrowCVector forColumn(long schema, StructField field) {
    int at = childIndex(schema, field.name());
    long child = Platform.getLong(null, Platform.getLong(null, schema + 40) + 8L * at);
    return create(field.dataType(), child, at);
  }

  /** Binds every column to the batch `array` (a struct array); returns its row count. */
  static int bindColumns(long array, ArrowCVector[] columns) {
    long length = Platform.getLong(null, array);
    long offset = Platform.getLong(null, array + 16);
    long nChildren = Platform.getLong(null, array + 32);
    long childPtrs = Platform.getLong(null, array + 48);
    if (length > Integer.MAX_VALUE) {
      throw new LanceflowException("lanceflow: a batch of " + length + " rows is too large");
    }
    for (ArrowCVector c : columns) {
      if (c.column >= nChildren) {
        throw new LanceflowException("lanceflow: the batch has fewer columns than its schema");
      }
      c.bind(Platform.getLong(null, childPtrs + 8L * c.column), offset);
    }
    return (int) length;
  }

  private static int childIndex(long schema, String name) {
    long n = Platform.getLong(null, schema + 32);
    long childPtrs = Platform.getLong(null, schema + 40);
    for (int i = 0; i < n; ++i) {
      long child = Platform.getLong(null, childPtrs + 8L * i);
      if (name.equals(cString(Platform.getLong(null, child + 8)))) return i;
    }
    throw new LanceflowException("lanceflow: the connector's batches have no column '" + name + "'");
  }

  private static String cString(long address) {
    if (address == 0) return "";
    int n = 0;
    while (Platform.getByte(null, address + n) != 0) ++n;
    byte[] bytes = new byte[n];
    Platform.copyMemory(null, address, bytes, Platform.BYTE_ARRAY_OFFSET, n);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static int parseWidth(String format) {
    int colon = format.indexOf(':');
    try {
      int w = Integer.parseInt(format.substring(colon + 1));
      if (w < 0) throw new NumberFormatException();
      return w;
    } catch (RuntimeException e) {
      throw new LanceflowException("lanceflow: bad Arrow format '" + format + "'");
    }
  }

  private static int kindOf(String f) {
    switch (f) {
      case "b": return BOOL;
      case "c": return I8;
      case "C": return U8;
      case "s": return I16;
      case "S": return U16;
      case "i": return I32;
      case "I": return U32;
      case "l": return I64;
      case "L": return U64;
      case "e": return F16;
      case "f": return F32;
      case "g": return F64;
      case "u": return UTF8;
      case "U": return LARGE_UTF8;
      case "z": return BINARY;
      case "Z": return LARGE_BINARY;
      case "tdD": return DATE32;
      case "tdm": return DATE64;
      case "+l": return LIST;
      case "+L": return LARGE_LIST;
      case "+s": return STRUCT;
      case "n": return NULL;
      default: break;
    }
    if (f.startsWith("w:")) return FIXED_BINARY;
    if (f.startsWith("+w:")) return FIXED_LIST;
    if (f.startsWith("d:")) {
      // d:precision,scale[,bitwidth]: only 128-bit decimals map to Spark decimals.
      String[] parts = f.substring(2).split(",");
      if (parts.length == 2 || (parts.length == 3 && parts[2].equals("128"))) return DECIMAL128;
    }
    if (f.length() >= 4 && f.startsWith("ts") && "smun".indexOf(f.charAt(2)) >= 0
        && f.charAt(3) == ':') {
      return TIMESTAMP;
    }
    throw new LanceflowException("lanceflow: Arrow format '" + f + "' is not readable by Spark");
  }

  private static LanceflowException mismatch(DataType type, String format) {
    return new LanceflowException("lanceflow: Arrow format '" + format + "' does not match Spark type "
        + type.simpleString());
  }

  private void bind(long array, long parentBase) {
    length = (int) Math.min(Platform.getLong(null, array), Integer.MAX_VALUE);
    nullCount = Platform.getLong(null, array + 8);
    base = Platform.getLong(null, array + 16) + parentBase;
    long nBuffers = Platform.getLong(null, array + 24);
    long buffers = Platform.getLong(null, array + 40);
    long childPtrs = Platform.getLong(null, array + 48);
    validity = kind == NULL || nBuffers == 0 ? 0 : Platform.getLong(null, buffers);
    data = 0;
    offsets = 0;
    switch (kind) {
      case UTF8: case LARGE_UTF8: case BINARY: case LARGE_BINARY:
        offsets = Platform.getLong(null, buffers + 8);
        data = Platform.getLong(null, buffers + 16);
        break;
      case LIST: case LARGE_LIST:
        offsets = Platform.getLong(null, buffers + 8);
        children[0].bind(Platform.getLong(null, childPtrs), 0);
        break;
      case FIXED_LIST:
        children[0].bind(Platform.getLong(null, childPtrs), 0);
        break;
      case STRUCT:
        for (ArrowCVector c : children) {
          c.bind(Platform.getLong(null, childPtrs + 8L * c.column), base);
        }
        break;
      case NULL:
        nullCount = length;
        break;
      default:
        data = nBuffers > 1 ? Platform.getLong(null, buffers + 8) : 0;
        break;
    }
    if (dictionary != null) {
      long dict = Platform.getLong(null, array + 56);
      if (dict == 0) throw new LanceflowException("lanceflow: a dictionary array without values");
      dictionary.bind(dict, 0);
    }
  }

  private long index(int rowId) {
    return base + rowId;
  }

  /** Dictionary encoded: the row's position in the dictionary's values. */
  private int dictIndex(int rowId) {
    return (int) rawLong(rowId);
  }

  // The integer stored at rowId, for integer kinds.
  private long rawLong(int rowId) {
    long i = index(rowId);
    switch (kind) {
      case I8: return Platform.getByte(null, data + i);
      case U8: return Platform.getByte(null, data + i) & 0xFFL;
      case I16: return Platform.getShort(null, data + 2 * i);
      case U16: return Platform.getShort(null, data + 2 * i) & 0xFFFFL;
      case I32: case DATE32: return Platform.getInt(null, data + 4 * i);
      case U32: return Platform.getInt(null, data + 4 * i) & 0xFFFFFFFFL;
      case I64: case U64: case DATE64: case TIMESTAMP: return Platform.getLong(null, data + 8 * i);
      default: throw unsupported("an integer");
    }
  }

  private UnsupportedOperationException unsupported(String what) {
    return new UnsupportedOperationException(
        "lanceflow: Arrow format '" + format + "' read as " + what);
  }

  @Override
  public void close() {
    // The buffers belong to the native reader, which releases them.
  }

  @Override
  public boolean hasNull() {
    return kind == NULL || nullCount != 0 || dictionary != null;
  }

  @Override
  public int numNulls() {
    if (kind == NULL) return length;
    if (nullCount >= 0 && dictionary == null) return (int) nullCount;
    int n = 0;
    for (int i = 0; i < length; ++i) {
      if (isNullAt(i)) ++n;
    }
    return n;
  }

  @Override
  public boolean isNullAt(int rowId) {
    if (kind == NULL) return true;
    if (validity != 0) {
      long i = index(rowId);
      if (((Platform.getByte(null, validity + (i >> 3)) >> (i & 7)) & 1) == 0) return true;
    }
    return dictionary != null && dictionary.isNullAt(dictIndex(rowId));
  }

  @Override
  public boolean getBoolean(int rowId) {
    if (dictionary != null) return dictionary.getBoolean(dictIndex(rowId));
    if (kind != BOOL) throw unsupported("boolean");
    long i = index(rowId);
    return ((Platform.getByte(null, data + (i >> 3)) >> (i & 7)) & 1) != 0;
  }

  @Override
  public byte getByte(int rowId) {
    if (dictionary != null) return dictionary.getByte(dictIndex(rowId));
    return (byte) rawLong(rowId);
  }

  @Override
  public short getShort(int rowId) {
    if (dictionary != null) return dictionary.getShort(dictIndex(rowId));
    return (short) rawLong(rowId);
  }

  @Override
  public int getInt(int rowId) {
    if (dictionary != null) return dictionary.getInt(dictIndex(rowId));
    if (kind == DATE64) return (int) Math.floorDiv(rawLong(rowId), 86_400_000L);
    return (int) rawLong(rowId);
  }

  @Override
  public long getLong(int rowId) {
    if (dictionary != null) return dictionary.getLong(dictIndex(rowId));
    if (kind == TIMESTAMP) {
      long v = rawLong(rowId);
      switch (tsUnit) {
        case 0: return Math.multiplyExact(v, 1_000_000L);
        case 1: return Math.multiplyExact(v, 1_000L);
        case 3: return Math.floorDiv(v, 1_000L);
        default: return v;
      }
    }
    return rawLong(rowId);
  }

  @Override
  public long[] getLongs(int rowId, int count) {
    if (kind != I64 || dictionary != null) return super.getLongs(rowId, count);
    long[] out = new long[count];
    Platform.copyMemory(null, data + 8 * index(rowId), out, Platform.LONG_ARRAY_OFFSET, 8L * count);
    return out;
  }

  @Override
  public float getFloat(int rowId) {
    if (dictionary != null) return dictionary.getFloat(dictIndex(rowId));
    long i = index(rowId);
    if (kind == F32) return Platform.getFloat(null, data + 4 * i);
    if (kind == F16) return halfToFloat(Platform.getShort(null, data + 2 * i));
    throw unsupported("float");
  }

  @Override
  public float[] getFloats(int rowId, int count) {
    if (kind != F32 || dictionary != null) return super.getFloats(rowId, count);
    float[] out = new float[count];
    Platform.copyMemory(null, data + 4 * index(rowId), out, Platform.FLOAT_ARRAY_OFFSET,
        4L * count);
    return out;
  }

  @Override
  public double getDouble(int rowId) {
    if (dictionary != null) return dictionary.getDouble(dictIndex(rowId));
    long i = index(rowId);
    if (kind == F64) return Platform.getDouble(null, data + 8 * i);
    if (kind == F32 || kind == F16) return getFloat(rowId);
    throw unsupported("double");
  }

  @Override
  public double[] getDoubles(int rowId, int count) {
    if (kind != F64 || dictionary != null) return super.getDoubles(rowId, count);
    double[] out = new double[count];
    Platform.copyMemory(null, data + 8 * index(rowId), out, Platform.DOUBLE_ARRAY_OFFSET,
        8L * count);
    return out;
  }

  @Override
  public Decimal getDecimal(int rowId, int precision, int scale) {
    if (isNullAt(rowId)) return null;
    if (dictionary != null) return dictionary.getDecimal(dictIndex(rowId), precision, scale);
    if (kind != DECIMAL128) throw unsupported("decimal");
    long at = data + 16 * index(rowId);
    long lo = Platform.getLong(null, at);
    long hi = Platform.getLong(null, at + 8);
    if (precision <= Decimal.MAX_LONG_DIGITS() && hi == (lo >> 63)) {
      return Decimal.apply(lo, precision, scale);
    }
    byte[] be = new byte[16];
    for (int b = 0; b < 8; ++b) {
      be[b] = (byte) (hi >>> (56 - 8 * b));
      be[8 + b] = (byte) (lo >>> (56 - 8 * b));
    }
    return Decimal.apply(new BigDecimal(new BigInteger(be), scale), precision, scale);
  }

  // [start, end) byte range of variable-length value rowId.
  private long start(int rowId) {
    long i = index(rowId);
    return kind == LARGE_UTF8 || kind == LARGE_BINARY || kind == LARGE_LIST
        ? Platform.getLong(null, offsets + 8 * i) : Platform.getInt(null, offsets + 4 * i);
  }

  private long end(int rowId) {
    return start(rowId + 1);
  }

  @Override
  public UTF8String getUTF8String(int rowId) {
    if (isNullAt(rowId)) return null;
    if (dictionary != null) return dictionary.getUTF8String(dictIndex(rowId));
    if (kind != UTF8 && kind != LARGE_UTF8) throw unsupported("string");
    long s = start(rowId);
    return UTF8String.fromAddress(null, data + s, (int) (end(rowId) - s));
  }

  @Override
  public byte[] getBinary(int rowId) {
    if (isNullAt(rowId)) return null;
    if (dictionary != null) return dictionary.getBinary(dictIndex(rowId));
    long s;
    int n;
    if (kind == BINARY || kind == LARGE_BINARY || kind == UTF8 || kind == LARGE_UTF8) {
      s = start(rowId);
      n = (int) (end(rowId) - s);
    } else if (kind == FIXED_BINARY) {
      s = (long) width * index(rowId);
      n = width;
    } else {
      throw unsupported("binary");
    }
    byte[] out = new byte[n];
    Platform.copyMemory(null, data + s, out, Platform.BYTE_ARRAY_OFFSET, n);
    return out;
  }

  @Override
  public ColumnarArray getArray(int rowId) {
    if (isNullAt(rowId)) return null;
    if (kind == FIXED_LIST) {
      return new ColumnarArray(children[0], (int) ((long) width * index(rowId)), width);
    }
    if (kind != LIST && kind != LARGE_LIST) throw unsupported("array");
    long s = start(rowId);
    return new ColumnarArray(children[0], (int) s, (int) (end(rowId) - s));
  }

  @Override
  public ColumnarMap getMap(int ordinal) {
    throw unsupported("map");
  }

  @Override
  public ColumnVector getChild(int ordinal) {
    return children[ordinal];
  }

  /** IEEE 754 binary16 to binary32. */
  static float halfToFloat(short h) {
    int bits = h & 0xFFFF;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1F;
    int mant = bits & 0x3FF;
    if (exp == 0x1F) return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
    if (exp == 0) {
      if (mant == 0) return Float.intBitsToFloat(sign);
      // Subnormal: mant * 2^-24.
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }
}
