#include "metadata.h"

#include "thrift_compact.h"

namespace lanceflow::parquet::format {

using thrift::CompactReader;
using thrift::CompactWriter;
using thrift::CType;

const char* PhysicalTypeName(PhysicalType t) {
  switch (t) {
    case PhysicalType::kBoolean:
      return "BOOLEAN";
    case PhysicalType::kInt32:
      return "INT32";
    case PhysicalType::kInt64:
      return "INT64";
    case PhysicalType::kInt96:
      return "INT96";
    case PhysicalType::kFloat:
      return "FLOAT";
    case PhysicalType::kDouble:
      return "DOUBLE";
    case PhysicalType::kByteArray:
      return "BYTE_ARRAY";
    case PhysicalType::kFixedLenByteArray:
      return "FIXED_LEN_BYTE_ARRAY";
  }
  return "unknown";
}

namespace {

// ---------------------------------------------------------------------------------------------
// Writing

void WriteEmptyStructField(CompactWriter* w, int16_t id) {
  w->FieldStructBegin(id);
  w->EndStruct();
}

void WriteLogicalType(CompactWriter* w, const LogicalType& t) {
  // Union: one field whose id is the kind; its value is the (possibly empty) member struct.
  w->FieldStructBegin(static_cast<int16_t>(t.kind));
  switch (t.kind) {
    case LogicalType::kDecimal:
      w->FieldI32(1, t.scale);
      w->FieldI32(2, t.precision);
      break;
    case LogicalType::kTime:
    case LogicalType::kTimestamp:
      w->FieldBool(1, t.is_adjusted_to_utc);
      w->FieldStructBegin(2);  // TimeUnit union
      WriteEmptyStructField(w, static_cast<int16_t>(t.unit));
      w->EndStruct();
      break;
    case LogicalType::kInteger:
      w->FieldI8(1, t.bit_width);
      w->FieldBool(2, t.is_signed);
      break;
    default:
      break;
  }
  w->EndStruct();
}

void WriteStatistics(CompactWriter* w, const Statistics& s) {
  if (s.null_count) w->FieldI64(3, *s.null_count);
  if (s.distinct_count) w->FieldI64(4, *s.distinct_count);
  if (s.max_value) w->FieldBinary(5, *s.max_value);
  if (s.min_value) w->FieldBinary(6, *s.min_value);
  if (s.is_max_value_exact) w->FieldBool(7, *s.is_max_value_exact);
  if (s.is_min_value_exact) w->FieldBool(8, *s.is_min_value_exact);
  w->EndStruct();
}

void WriteSchemaElement(CompactWriter* w, const SchemaElement& e) {
  w->BeginStruct();
  if (e.type) w->FieldI32(1, static_cast<int32_t>(*e.type));
  if (e.type_length) w->FieldI32(2, *e.type_length);
  if (e.repetition) w->FieldI32(3, static_cast<int32_t>(*e.repetition));
  w->FieldBinary(4, e.name);
  if (e.num_children) w->FieldI32(5, *e.num_children);
  if (e.converted_type) w->FieldI32(6, static_cast<int32_t>(*e.converted_type));
  if (e.scale) w->FieldI32(7, *e.scale);
  if (e.precision) w->FieldI32(8, *e.precision);
  if (e.field_id) w->FieldI32(9, *e.field_id);
  if (e.logical_type) {
    w->FieldStructBegin(10);
    WriteLogicalType(w, *e.logical_type);
    w->EndStruct();
  }
  w->EndStruct();
}

void WriteColumnMetaData(CompactWriter* w, const ColumnMetaData& m) {
  w->FieldI32(1, static_cast<int32_t>(m.type));
  w->FieldListBegin(2, CType::kI32, static_cast<int32_t>(m.encodings.size()));
  for (Encoding e : m.encodings) w->ElemI32(static_cast<int32_t>(e));
  w->FieldListBegin(3, CType::kBinary, static_cast<int32_t>(m.path_in_schema.size()));
  for (const auto& p : m.path_in_schema) w->ElemBinary(p);
  w->FieldI32(4, static_cast<int32_t>(m.codec));
  w->FieldI64(5, m.num_values);
  w->FieldI64(6, m.total_uncompressed_size);
  w->FieldI64(7, m.total_compressed_size);
  w->FieldI64(9, m.data_page_offset);
  if (m.dictionary_page_offset) w->FieldI64(11, *m.dictionary_page_offset);
  if (m.statistics) {
    w->FieldStructBegin(12);
    WriteStatistics(w, *m.statistics);
  }
  w->EndStruct();
}

void WriteRowGroup(CompactWriter* w, const RowGroup& g) {
  w->BeginStruct();
  w->FieldListBegin(1, CType::kStruct, static_cast<int32_t>(g.columns.size()));
  for (const ColumnChunk& c : g.columns) {
    w->BeginStruct();
    w->FieldI64(2, c.file_offset);
    if (c.meta_data) {
      w->FieldStructBegin(3);
      WriteColumnMetaData(w, *c.meta_data);
    }
    w->EndStruct();
  }
  w->FieldI64(2, g.total_byte_size);
  w->FieldI64(3, g.num_rows);
  if (g.file_offset) w->FieldI64(5, *g.file_offset);
  if (g.total_compressed_size) w->FieldI64(6, *g.total_compressed_size);
  if (g.ordinal) w->FieldI16(7, *g.ordinal);
  w->EndStruct();
}

// ---------------------------------------------------------------------------------------------
// Reading

// Runs `on_field(type, id)` for every field of the struct the reader is positioned at.
template <typename F>
Status ReadStruct(CompactReader* r, F&& on_field) {
  LF_RETURN_NOT_OK(r->BeginStruct());
  while (true) {
    CType t;
    int16_t id;
    LF_RETURN_NOT_OK(r->ReadFieldHeader(&t, &id));
    if (t == CType::kStop) break;
    LF_RETURN_NOT_OK(on_field(t, id));
  }
  r->EndStruct();
  return Status::OK();
}

Status Expect(CompactReader* r, CType got, CType want, const char* field) {
  const bool got_bool = got == CType::kBoolTrue || got == CType::kBoolFalse;
  const bool want_bool = want == CType::kBoolTrue || want == CType::kBoolFalse;
  if (got == want || (got_bool && want_bool)) return Status::OK();
  return r->Error(std::string("field ") + field + " has the wrong type");
}

template <typename E>
Status ReadEnum(CompactReader* r, CType t, const char* field, E* out) {
  LF_RETURN_NOT_OK(Expect(r, t, CType::kI32, field));
  int32_t v;
  LF_RETURN_NOT_OK(r->ReadI32(&v));
  *out = static_cast<E>(v);
  return Status::OK();
}

Status ReadI32Field(CompactReader* r, CType t, const char* field, int32_t* out) {
  LF_RETURN_NOT_OK(Expect(r, t, CType::kI32, field));
  return r->ReadI32(out);
}
Status ReadI64Field(CompactReader* r, CType t, const char* field, int64_t* out) {
  LF_RETURN_NOT_OK(Expect(r, t, CType::kI64, field));
  return r->ReadI64(out);
}
Status ReadBinaryField(CompactReader* r, CType t, const char* field, std::string* out) {
  LF_RETURN_NOT_OK(Expect(r, t, CType::kBinary, field));
  return r->ReadBinary(out);
}

template <typename F>
Status ReadList(CompactReader* r, CType t, CType want_elem, const char* field, F&& on_elem) {
  LF_RETURN_NOT_OK(Expect(r, t, CType::kList, field));
  CType elem;
  int32_t n;
  LF_RETURN_NOT_OK(r->ReadListHeader(&elem, &n));
  if (elem != want_elem)
    return r->Error(std::string("list ") + field + " has the wrong element type");
  for (int32_t i = 0; i < n; ++i) LF_RETURN_NOT_OK(on_elem());
  return Status::OK();
}

Status ReadTimeUnit(CompactReader* r, TimeUnit* unit) {
  int found = 0;
  LF_RETURN_NOT_OK(ReadStruct(r, [&](CType t, int16_t id) -> Status {
    if (id >= 1 && id <= 3 && t == CType::kStruct) {
      *unit = static_cast<TimeUnit>(id);
      ++found;
    }
    return r->Skip(t);
  }));
  if (found != 1) return r->Error("TimeUnit union without exactly one member");
  return Status::OK();
}

Status ReadLogicalType(CompactReader* r, LogicalType* out) {
  int found = 0;
  LF_RETURN_NOT_OK(ReadStruct(r, [&](CType t, int16_t id) -> Status {
    LF_RETURN_NOT_OK(Expect(r, t, CType::kStruct, "LogicalType member"));
    ++found;
    out->kind = static_cast<LogicalType::Kind>(id);
    switch (id) {
      case LogicalType::kDecimal:
        return ReadStruct(r, [&](CType ft, int16_t fid) -> Status {
          if (fid == 1) return ReadI32Field(r, ft, "DecimalType.scale", &out->scale);
          if (fid == 2) return ReadI32Field(r, ft, "DecimalType.precision", &out->precision);
          return r->Skip(ft);
        });
      case LogicalType::kTime:
      case LogicalType::kTimestamp:
        return ReadStruct(r, [&](CType ft, int16_t fid) -> Status {
          if (fid == 1) {
            LF_RETURN_NOT_OK(Expect(r, ft, CType::kBoolTrue, "isAdjustedToUTC"));
            out->is_adjusted_to_utc = CompactReader::BoolValue(ft);
            return Status::OK();
          }
          if (fid == 2) {
            LF_RETURN_NOT_OK(Expect(r, ft, CType::kStruct, "unit"));
            return ReadTimeUnit(r, &out->unit);
          }
          return r->Skip(ft);
        });
      case LogicalType::kInteger:
        return ReadStruct(r, [&](CType ft, int16_t fid) -> Status {
          if (fid == 1) {
            LF_RETURN_NOT_OK(Expect(r, ft, CType::kI8, "IntType.bitWidth"));
            return r->ReadI8(&out->bit_width);
          }
          if (fid == 2) {
            LF_RETURN_NOT_OK(Expect(r, ft, CType::kBoolTrue, "IntType.isSigned"));
            out->is_signed = CompactReader::BoolValue(ft);
            return Status::OK();
          }
          return r->Skip(ft);
        });
      default:
        return r->Skip(t);
    }
  }));
  if (found != 1) return r->Error("LogicalType union without exactly one member");
  return Status::OK();
}

Status ReadStatistics(CompactReader* r, Statistics* s) {
  return ReadStruct(r, [&](CType t, int16_t id) -> Status {
    switch (id) {
      case 3:
        return ReadI64Field(r, t, "Statistics.null_count", &s->null_count.emplace());
      case 4:
        return ReadI64Field(r, t, "Statistics.distinct_count", &s->distinct_count.emplace());
      case 5:
        return ReadBinaryField(r, t, "Statistics.max_value", &s->max_value.emplace());
      case 6:
        return ReadBinaryField(r, t, "Statistics.min_value", &s->min_value.emplace());
      case 7:
        LF_RETURN_NOT_OK(Expect(r, t, CType::kBoolTrue, "is_max_value_exact"));
        s->is_max_value_exact = CompactReader::BoolValue(t);
        return Status::OK();
      case 8:
        LF_RETURN_NOT_OK(Expect(r, t, CType::kBoolTrue, "is_min_value_exact"));
        s->is_min_value_exact = CompactReader::BoolValue(t);
        return Status::OK();
      default:
        return r->Skip(t);
    }
  });
}

Status ReadSchemaElement(CompactReader* r, SchemaElement* e) {
  bool has_name = false;
  LF_RETURN_NOT_OK(ReadStruct(r, [&](CType t, int16_t id) -> Status {
    switch (id) {
      case 1:
        return ReadEnum(r, t, "SchemaElement.type", &e->type.emplace());
      case 2:
        return ReadI32Field(r, t, "SchemaElement.type_length", &e->type_length.emplace());
      case 3:
        return ReadEnum(r, t, "SchemaElement.repetition_type", &e->repetition.emplace());
      case 4:
        has_name = true;
        return ReadBinaryField(r, t, "SchemaElement.name", &e->name);
      case 5:
        return ReadI32Field(r, t, "SchemaElement.num_children", &e->num_children.emplace());
      case 6:
        return ReadEnum(r, t, "SchemaElement.converted_type", &e->converted_type.emplace());
      case 7:
        return ReadI32Field(r, t, "SchemaElement.scale", &e->scale.emplace());
      case 8:
        return ReadI32Field(r, t, "SchemaElement.precision", &e->precision.emplace());
      case 9:
        return ReadI32Field(r, t, "SchemaElement.field_id", &e->field_id.emplace());
      case 10:
        LF_RETURN_NOT_OK(Expect(r, t, CType::kStruct, "SchemaElement.logicalType"));
        return ReadLogicalType(r, &e->logical_type.emplace());
      default:
        return r->Skip(t);
    }
  }));
  if (!has_name) return r->Error("SchemaElement without a name");
  return Status::OK();
}

Status ReadColumnMetaData(CompactReader* r, ColumnMetaData* m) {
  uint32_t seen = 0;
  LF_RETURN_NOT_OK(ReadStruct(r, [&](CType t, int16_t id) -> Status {
    if (id > 0 && id < 32) seen |= 1u << id;
    switch (id) {
      case 1:
        return ReadEnum(r, t, "ColumnMetaData.type", &m->type);
      case 2:
        return ReadList(r, t, CType::kI32, "ColumnMetaData.encodings", [&]() -> Status {
          int32_t v;
          LF_RETURN_NOT_OK(r->ReadI32(&v));
          m->encodings.push_back(static_cast<Encoding>(v));
          return Status::OK();
        });
      case 3:
        return ReadList(r, t, CType::kBinary, "ColumnMetaData.path_in_schema", [&]() -> Status {
          return r->ReadBinary(&m->path_in_schema.emplace_back());
        });
      case 4:
        return ReadEnum(r, t, "ColumnMetaData.codec", &m->codec);
      case 5:
        return ReadI64Field(r, t, "ColumnMetaData.num_values", &m->num_values);
      case 6:
        return ReadI64Field(r, t, "total_uncompressed_size", &m->total_uncompressed_size);
      case 7:
        return ReadI64Field(r, t, "total_compressed_size", &m->total_compressed_size);
      case 9:
        return ReadI64Field(r, t, "data_page_offset", &m->data_page_offset);
      case 11:
        return ReadI64Field(r, t, "dictionary_page_offset", &m->dictionary_page_offset.emplace());
      case 12:
        LF_RETURN_NOT_OK(Expect(r, t, CType::kStruct, "ColumnMetaData.statistics"));
        return ReadStatistics(r, &m->statistics.emplace());
      default:
        return r->Skip(t);
    }
  }));
  for (int id : {1, 2, 3, 4, 5, 6, 7, 9}) {
    if (!(seen & (1u << id))) {
      return r->Error("ColumnMetaData lacks required field " + std::to_string(id));
    }
  }
  return Status::OK();
}

Status ReadRowGroup(CompactReader* r, RowGroup* g) {
  bool has_rows = false;
  LF_RETURN_NOT_OK(ReadStruct(r, [&](CType t, int16_t id) -> Status {
    switch (id) {
      case 1:
        return ReadList(r, t, CType::kStruct, "RowGroup.columns", [&]() -> Status {
          ColumnChunk& c = g->columns.emplace_back();
          return ReadStruct(r, [&](CType ct, int16_t cid) -> Status {
            if (cid == 2) return ReadI64Field(r, ct, "ColumnChunk.file_offset", &c.file_offset);
            if (cid == 3) {
              LF_RETURN_NOT_OK(Expect(r, ct, CType::kStruct, "ColumnChunk.meta_data"));
              return ReadColumnMetaData(r, &c.meta_data.emplace());
            }
            return r->Skip(ct);
          });
        });
      case 2:
        return ReadI64Field(r, t, "RowGroup.total_byte_size", &g->total_byte_size);
      case 3:
        has_rows = true;
        return ReadI64Field(r, t, "RowGroup.num_rows", &g->num_rows);
      case 5:
        return ReadI64Field(r, t, "RowGroup.file_offset", &g->file_offset.emplace());
      case 6:
        return ReadI64Field(r, t, "RowGroup.total_compressed_size",
                            &g->total_compressed_size.emplace());
      case 7:
        LF_RETURN_NOT_OK(Expect(r, t, CType::kI16, "RowGroup.ordinal"));
        return r->ReadI16(&g->ordinal.emplace());
      default:
        return r->Skip(t);
    }
  }));
  if (!has_rows) return r->Error("RowGroup lacks num_rows");
  return Status::OK();
}

}  // namespace

void Serialize(const FileMetaData& v, std::string* out) {
  CompactWriter w(out);
  w.BeginStruct();
  w.FieldI32(1, v.version);
  w.FieldListBegin(2, CType::kStruct, static_cast<int32_t>(v.schema.size()));
  for (const SchemaElement& e : v.schema) WriteSchemaElement(&w, e);
  w.FieldI64(3, v.num_rows);
  w.FieldListBegin(4, CType::kStruct, static_cast<int32_t>(v.row_groups.size()));
  for (const RowGroup& g : v.row_groups) WriteRowGroup(&w, g);
  if (!v.key_value_metadata.empty()) {
    w.FieldListBegin(5, CType::kStruct, static_cast<int32_t>(v.key_value_metadata.size()));
    for (const KeyValue& kv : v.key_value_metadata) {
      w.BeginStruct();
      w.FieldBinary(1, kv.key);
      if (kv.value) w.FieldBinary(2, *kv.value);
      w.EndStruct();
    }
  }
  if (v.created_by) w.FieldBinary(6, *v.created_by);
  if (v.num_type_defined_column_orders > 0) {
    w.FieldListBegin(7, CType::kStruct, v.num_type_defined_column_orders);
    for (int32_t i = 0; i < v.num_type_defined_column_orders; ++i) {
      w.BeginStruct();
      WriteEmptyStructField(&w, 1);  // TYPE_ORDER
      w.EndStruct();
    }
  }
  w.EndStruct();
}

void Serialize(const PageHeader& v, std::string* out) {
  CompactWriter w(out);
  w.BeginStruct();
  w.FieldI32(1, static_cast<int32_t>(v.type));
  w.FieldI32(2, v.uncompressed_page_size);
  w.FieldI32(3, v.compressed_page_size);
  if (v.crc) w.FieldI32(4, *v.crc);
  if (v.data_page_header) {
    const DataPageHeader& h = *v.data_page_header;
    w.FieldStructBegin(5);
    w.FieldI32(1, h.num_values);
    w.FieldI32(2, static_cast<int32_t>(h.encoding));
    w.FieldI32(3, static_cast<int32_t>(h.definition_level_encoding));
    w.FieldI32(4, static_cast<int32_t>(h.repetition_level_encoding));
    if (h.statistics) {
      w.FieldStructBegin(5);
      WriteStatistics(&w, *h.statistics);
    }
    w.EndStruct();
  }
  if (v.dictionary_page_header) {
    const DictionaryPageHeader& h = *v.dictionary_page_header;
    w.FieldStructBegin(7);
    w.FieldI32(1, h.num_values);
    w.FieldI32(2, static_cast<int32_t>(h.encoding));
    if (h.is_sorted) w.FieldBool(3, *h.is_sorted);
    w.EndStruct();
  }
  if (v.data_page_header_v2) {
    const DataPageHeaderV2& h = *v.data_page_header_v2;
    w.FieldStructBegin(8);
    w.FieldI32(1, h.num_values);
    w.FieldI32(2, h.num_nulls);
    w.FieldI32(3, h.num_rows);
    w.FieldI32(4, static_cast<int32_t>(h.encoding));
    w.FieldI32(5, h.definition_levels_byte_length);
    w.FieldI32(6, h.repetition_levels_byte_length);
    w.FieldBool(7, h.is_compressed);
    w.EndStruct();
  }
  w.EndStruct();
}

Result<FileMetaData> ParseFileMetaData(const uint8_t* data, int64_t size) {
  CompactReader r(data, size, "parquet footer");
  FileMetaData m;
  uint32_t seen = 0;
  LF_RETURN_NOT_OK(ReadStruct(&r, [&](CType t, int16_t id) -> Status {
    if (id > 0 && id < 32) seen |= 1u << id;
    switch (id) {
      case 1:
        return ReadI32Field(&r, t, "FileMetaData.version", &m.version);
      case 2:
        return ReadList(&r, t, CType::kStruct, "FileMetaData.schema", [&]() -> Status {
          return ReadSchemaElement(&r, &m.schema.emplace_back());
        });
      case 3:
        return ReadI64Field(&r, t, "FileMetaData.num_rows", &m.num_rows);
      case 4:
        return ReadList(&r, t, CType::kStruct, "FileMetaData.row_groups",
                        [&]() -> Status { return ReadRowGroup(&r, &m.row_groups.emplace_back()); });
      case 5:
        return ReadList(&r, t, CType::kStruct, "FileMetaData.key_value_metadata", [&]() -> Status {
          KeyValue& kv = m.key_value_metadata.emplace_back();
          return ReadStruct(&r, [&](CType kt, int16_t kid) -> Status {
            if (kid == 1) return ReadBinaryField(&r, kt, "KeyValue.key", &kv.key);
            if (kid == 2) {
              return ReadBinaryField(&r, kt, "KeyValue.value", &kv.value.emplace());
            }
            return r.Skip(kt);
          });
        });
      case 6:
        return ReadBinaryField(&r, t, "FileMetaData.created_by", &m.created_by.emplace());
      default:
        return r.Skip(t);
    }
  }));
  for (int id : {1, 2, 3, 4}) {
    if (!(seen & (1u << id))) {
      return r.Error("FileMetaData lacks required field " + std::to_string(id));
    }
  }
  if (r.position() != size) return r.Error("trailing bytes after FileMetaData");
  return m;
}

Result<PageHeader> ParsePageHeader(const uint8_t* data, int64_t size, int64_t* header_size) {
  CompactReader r(data, size, "parquet page header");
  PageHeader h;
  uint32_t seen = 0;
  LF_RETURN_NOT_OK(ReadStruct(&r, [&](CType t, int16_t id) -> Status {
    if (id > 0 && id < 32) seen |= 1u << id;
    switch (id) {
      case 1:
        return ReadEnum(&r, t, "PageHeader.type", &h.type);
      case 2:
        return ReadI32Field(&r, t, "uncompressed_page_size", &h.uncompressed_page_size);
      case 3:
        return ReadI32Field(&r, t, "compressed_page_size", &h.compressed_page_size);
      case 4:
        return ReadI32Field(&r, t, "PageHeader.crc", &h.crc.emplace());
      case 5: {
        LF_RETURN_NOT_OK(Expect(&r, t, CType::kStruct, "data_page_header"));
        DataPageHeader& d = h.data_page_header.emplace();
        return ReadStruct(&r, [&](CType ft, int16_t fid) -> Status {
          switch (fid) {
            case 1:
              return ReadI32Field(&r, ft, "DataPageHeader.num_values", &d.num_values);
            case 2:
              return ReadEnum(&r, ft, "DataPageHeader.encoding", &d.encoding);
            case 3:
              return ReadEnum(&r, ft, "definition_level_encoding", &d.definition_level_encoding);
            case 4:
              return ReadEnum(&r, ft, "repetition_level_encoding", &d.repetition_level_encoding);
            default:
              return r.Skip(ft);
          }
        });
      }
      case 7: {
        LF_RETURN_NOT_OK(Expect(&r, t, CType::kStruct, "dictionary_page_header"));
        DictionaryPageHeader& d = h.dictionary_page_header.emplace();
        return ReadStruct(&r, [&](CType ft, int16_t fid) -> Status {
          switch (fid) {
            case 1:
              return ReadI32Field(&r, ft, "DictionaryPageHeader.num_values", &d.num_values);
            case 2:
              return ReadEnum(&r, ft, "DictionaryPageHeader.encoding", &d.encoding);
            case 3:
              LF_RETURN_NOT_OK(Expect(&r, ft, CType::kBoolTrue, "is_sorted"));
              d.is_sorted = CompactReader::BoolValue(ft);
              return Status::OK();
            default:
              return r.Skip(ft);
          }
        });
      }
      case 8: {
        LF_RETURN_NOT_OK(Expect(&r, t, CType::kStruct, "data_page_header_v2"));
        DataPageHeaderV2& d = h.data_page_header_v2.emplace();
        return ReadStruct(&r, [&](CType ft, int16_t fid) -> Status {
          switch (fid) {
            case 1:
              return ReadI32Field(&r, ft, "DataPageHeaderV2.num_values", &d.num_values);
            case 2:
              return ReadI32Field(&r, ft, "DataPageHeaderV2.num_nulls", &d.num_nulls);
            case 3:
              return ReadI32Field(&r, ft, "DataPageHeaderV2.num_rows", &d.num_rows);
            case 4:
              return ReadEnum(&r, ft, "DataPageHeaderV2.encoding", &d.encoding);
            case 5:
              return ReadI32Field(&r, ft, "definition_levels_byte_length",
                                  &d.definition_levels_byte_length);
            case 6:
              return ReadI32Field(&r, ft, "repetition_levels_byte_length",
                                  &d.repetition_levels_byte_length);
            case 7:
              LF_RETURN_NOT_OK(Expect(&r, ft, CType::kBoolTrue, "is_compressed"));
              d.is_compressed = CompactReader::BoolValue(ft);
              return Status::OK();
            default:
              return r.Skip(ft);
          }
        });
      }
      default:
        return r.Skip(t);
    }
  }));
  for (int id : {1, 2, 3}) {
    if (!(seen & (1u << id))) {
      return r.Error("PageHeader lacks required field " + std::to_string(id));
    }
  }
  *header_size = r.position();
  return h;
}

}  // namespace lanceflow::parquet::format
