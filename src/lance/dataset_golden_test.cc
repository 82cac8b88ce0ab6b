// Compares the native reader with what the official engine (lancedb 0.39) reported for the
// datasets of tests/golden/lance (written by tests/fixtures/make_lance_golden.py).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "lanceflow/lance/dataset.h"

namespace lanceflow::lance {
namespace {

const std::string kGolden = "tests/golden/lance";

nlohmann::json LoadJson(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return nlohmann::json::parse(in);
}

std::vector<std::string> FieldStrings(const arrow::Schema& schema) {
  std::vector<std::string> out;
  for (const auto& f : schema.fields()) out.push_back(f->ToString());
  return out;
}

class GoldenTable : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTable, MatchesEngine) {
  const std::string table = GetParam();
  nlohmann::json twin = LoadJson(kGolden + "/" + table + ".json");
  Database db(kGolden + "/db");
  const std::string dir = kGolden + "/db/" + table + ".lance";

  auto versions = Dataset::ListVersions(dir);
  ASSERT_TRUE(versions.ok()) << versions.status().ToString();
  ASSERT_EQ(versions->size(), twin["versions"].size());
  for (size_t i = 0; i < versions->size(); ++i) {
    const auto& expected = twin["versions"][i];
    EXPECT_EQ((*versions)[i].version, expected["version"].get<uint64_t>());
    // The engine reports microseconds.
    EXPECT_NEAR(static_cast<double>((*versions)[i].timestamp_nanos / 1000),
                expected["timestamp_us"].get<double>(), 1.0);
    EXPECT_EQ((*versions)[i].naming, twin["v2_manifest_paths"].get<bool>()
                                         ? ManifestNaming::kV2 : ManifestNaming::kV1);
  }

  auto latest = db.OpenTable(table);
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ((*latest)->version(), twin["latest_version"].get<uint64_t>());

  for (const auto& expected : twin["versions"]) {
    uint64_t v = expected["version"].get<uint64_t>();
    SCOPED_TRACE(table + " version " + std::to_string(v));
    auto ds = db.OpenTable(table, v);
    ASSERT_TRUE(ds.ok()) << ds.status().ToString();
    const Manifest& m = (*ds)->manifest();
    EXPECT_EQ(m.version, v);
    EXPECT_EQ(m.data_format_version, twin["storage_version"].get<std::string>());
    EXPECT_EQ(m.data_file_format, "lance");
    EXPECT_EQ((m.reader_feature_flags & kFlagStableRowIds) != 0,
              twin["stable_row_ids"].get<bool>());
    const auto& snap = twin["by_version"][std::to_string(v)];
    EXPECT_EQ(FieldStrings(*(*ds)->schema()), snap["schema"].get<std::vector<std::string>>());

    // Every field id maps to the Arrow field at its path, with the same name.
    for (const LanceField& f : m.fields) {
      ASSERT_FALSE(f.arrow_path.empty());
      arrow::FieldPtr cur = (*ds)->schema()->field(f.arrow_path[0]);
      for (size_t k = 1; k < f.arrow_path.size(); ++k) {
        cur = cur->type->children()[static_cast<size_t>(f.arrow_path[k])];
      }
      EXPECT_EQ(cur->name, f.name);
    }

    EXPECT_EQ(m.fragments.size(), expected["total_fragments"].get<size_t>());
    uint64_t physical = 0, deleted = 0, deletion_files = 0;
    std::set<std::string> ids;
    for (const Fragment& frag : m.fragments) {
      ids.insert(std::to_string(frag.id));
      physical += frag.physical_rows;
      deleted += frag.num_deleted_rows();
      deletion_files += frag.deletion_file ? 1 : 0;
      if (twin["stable_row_ids"].get<bool>()) {
        EXPECT_FALSE(frag.row_id_sequence.empty());
      }

      auto dv = (*ds)->ReadDeletions(frag);
      ASSERT_TRUE(dv.ok()) << dv.status().ToString();
      EXPECT_EQ(static_cast<uint64_t>(dv->size()), frag.num_deleted_rows());
      // Live offsets = [0, physical_rows) minus deletions, as the engine's _rowaddr saw them.
      std::vector<std::vector<uint64_t>> live;
      for (uint64_t o = 0; o < frag.physical_rows; ++o) {
        if (dv->Contains(static_cast<uint32_t>(o))) continue;
        if (!live.empty() && live.back()[1] == o) {
          live.back()[1] = o + 1;
        } else {
          live.push_back({o, o + 1});
        }
      }
      const auto& frags = snap["fragments"];
      ASSERT_TRUE(frags.contains(std::to_string(frag.id))) << "fragment " << frag.id;
      EXPECT_EQ(live, frags[std::to_string(frag.id)].get<std::vector<std::vector<uint64_t>>>())
          << "fragment " << frag.id;

      for (const DataFile& file : frag.files) {
        auto md = (*ds)->ReadDataFileMetadata(file);
        ASSERT_TRUE(md.ok()) << md.status().ToString();
        EXPECT_EQ(md->num_rows, frag.physical_rows);
        EXPECT_EQ(md->columns.size(), md->footer.num_columns);
        std::string fmt = std::to_string(file.file_major_version) + "." +
                          std::to_string(file.file_minor_version);
        EXPECT_EQ(fmt, m.data_format_version);
        if (fmt == "2.0") {
          EXPECT_EQ(md->footer.major_version, 0);
          EXPECT_EQ(md->footer.minor_version, 3);
        } else {
          EXPECT_EQ(md->footer.major_version, file.file_major_version);
          EXPECT_EQ(md->footer.minor_version, file.file_minor_version);
        }
        for (int32_t c : file.column_indices) {
          ASSERT_LT(c, static_cast<int32_t>(md->columns.size()));
        }
        for (const ColumnInfo& col : md->columns) {
          uint64_t rows = 0;
          for (const PageInfo& page : col.pages) {
            EXPECT_EQ(page.encoding.kind, EncodingRef::Kind::kDirect);
            EXPECT_TRUE(page.encoding.type_url == "/lance.encodings21.PageLayout" ||
                        page.encoding.type_url == "/lance.encodings.ArrayEncoding")
                << page.encoding.type_url;
            rows += page.length;
          }
          if (fmt != "2.0") {
            EXPECT_EQ(rows, frag.physical_rows);
          }
        }
      }
    }
    EXPECT_EQ(ids.size(), snap["fragments"].size());
    EXPECT_EQ(physical, expected["total_data_file_rows"].get<uint64_t>());
    EXPECT_EQ(deleted, expected["total_deletion_file_rows"].get<uint64_t>());
    EXPECT_EQ(deletion_files, expected["total_deletion_files"].get<uint64_t>());
  }
}

INSTANTIATE_TEST_SUITE_P(Lance, GoldenTable,
                         ::testing::Values("history", "stable_ids", "v1_names", "format_20",
                                           "format_21", "big_delete"));

TEST(GoldenDatabase, TableNamesSorted) {
  auto names = Database(kGolden + "/db").TableNames();
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_EQ(*names, LoadJson(kGolden + "/tables.json").get<std::vector<std::string>>());
}

TEST(GoldenDatabase, BigDeleteUsesBitmap) {
  auto ds = Database(kGolden + "/db").OpenTable("big_delete");
  ASSERT_TRUE(ds.ok());
  ASSERT_EQ((*ds)->fragments().size(), 1u);
  ASSERT_TRUE((*ds)->fragments()[0].deletion_file.has_value());
  EXPECT_EQ((*ds)->fragments()[0].deletion_file->type, DeletionFileType::kBitmap);
}

TEST(GoldenDatabase, MissingTableAndVersion) {
  Database db(kGolden + "/db");
  auto t = db.OpenTable("nope");
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
  EXPECT_NE(t.status().message().find("table 'nope'"), std::string::npos);
  auto v = db.OpenTable("history", 999);
  EXPECT_EQ(v.status().code(), StatusCode::kNotFound);
  EXPECT_NE(v.status().message().find("history.lance has no version 999"), std::string::npos)
      << v.status().ToString();
  EXPECT_EQ(db.OpenTable("../x").status().code(), StatusCode::kInvalidArgument);
}

TEST(ManifestNames, BothSchemes) {
  auto v2 = ParseManifestName("18446744073709551607.manifest");
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->version, 8u);
  EXPECT_EQ(v2->naming, ManifestNaming::kV2);
  auto v1 = ParseManifestName("12.manifest");
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->version, 12u);
  EXPECT_EQ(v1->naming, ManifestNaming::kV1);
  EXPECT_FALSE(ParseManifestName("d3.manifest"));
  EXPECT_FALSE(ParseManifestName("latest_version_hint.json"));
  EXPECT_FALSE(ParseManifestName(".tmp_1.manifest"));
  EXPECT_FALSE(ParseManifestName("1.manifest.tmp"));
  EXPECT_FALSE(ParseManifestName("99999999999999999999.manifest"));  // > u64::MAX
  EXPECT_FALSE(ParseManifestName("18446744073709551615.manifest"));  // version 0
  EXPECT_EQ(ManifestFileName(1, ManifestNaming::kV2), "18446744073709551614.manifest");
  EXPECT_EQ(ManifestFileName(7, ManifestNaming::kV1), "7.manifest");
}

}  // namespace
}  // namespace lanceflow::lance
