// Trajectories as named columns: PLUMED COLVAR files and CSV / TSV tables,
// the feature selection, and models that remember their feature names.
#include <gtest/gtest.h>

#include "dynae/data/npy.h"
#include "dynae/data/table.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"
#include "dynae/models/model.h"
#include "dynae/training/estimator.h"
#include "test_util.h"

using namespace dynae;

namespace {

/// The message of the DataError `f` throws ("" when none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

const char kColvar[] =
    "#! FIELDS time phi psi d1 metad.bias uwall.rbias\n"
    "#! SET min_phi -pi\n"
    "#! SET max_phi pi\n"
    " 0.000   1.0  2.0\t3.0   0.5 0.1\n"
    "\n"
    "# a comment\n"
    " 0.100   1.1  2.1  3.1   0.6 0.2\n"
    " 0.200   1.2  2.2  3.2   0.7 0.3\n"
    "#! FIELDS time phi psi d1 metad.bias uwall.rbias\n"
    " 0.100   4.0  5.0  6.0   0.8 0.4\n"  // a restart: an earlier time is normal
    " 0.200   4.1  5.1  6.1   0.9 0.5\n";

}  // namespace

TEST(Table, ColvarBlocksBecomeSegmentsAndBiasColumnsAreLeftOut) {
  const std::string dir = test::scratch_dir("table_colvar");
  test::write_file(dir + "/run.dat", kColvar);
  EXPECT_EQ(detect_format(dir + "/run.dat"), FileFormat::Colvar);
  const ColumnData d = read_columns(dir + "/run.dat");
  EXPECT_EQ(d.names, (std::vector<std::string>{"phi", "psi", "d1"}));
  EXPECT_EQ(d.columns.size(), 6u);
  ASSERT_EQ(d.segments.size(), 2u);
  EXPECT_EQ(d.segments[0].shape, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(d.segments[1].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(d.segments[0].data, (std::vector<double>{1.0, 2.0, 3.0, 1.1, 2.1, 3.1, 1.2, 2.2, 3.2}));
  EXPECT_EQ(d.segments[1].at(1, 2), 6.1);
  EXPECT_EQ(d.first_lines, (std::vector<int64_t>{4, 10}));

  // Names, globs (in file order) and the selection's order; a weights column read beside them.
  ColumnSelection s;
  s.features = {"d1", "p*"};
  s.weights_column = "metad.bias";
  const ColumnData e = read_columns(dir + "/run.dat", s);
  EXPECT_EQ(e.names, (std::vector<std::string>{"d1", "phi", "psi"}));
  EXPECT_EQ(e.segments[0].at(0, 0), 3.0);
  ASSERT_EQ(e.weights.size(), 2u);
  EXPECT_EQ(e.weights[1], (std::vector<double>{0.8, 0.9}));
  ColumnSelection w;
  w.weights_column = "d1";
  EXPECT_EQ(read_columns(dir + "/run.dat", w).names, (std::vector<std::string>{"phi", "psi"}));

  // Each block is its own trajectory: no lag pair crosses a restart.
  const TrajectorySet set = load_trajectories({dir + "/run.dat"});
  ASSERT_EQ(set.size(), 2u);
  EXPECT_EQ(set.trajectories()[1].name, dir + "/run.dat (block 1)");
  EXPECT_EQ(set.feature_names(), (std::vector<std::string>{"phi", "psi", "d1"}));
  EXPECT_EQ(set.lengths(), (std::vector<int64_t>{3, 2}));
}

TEST(Table, BadColvarsAreNamedByFileLineAndColumn) {
  const std::string dir = test::scratch_dir("table_bad");
  auto bad = [&](const std::string& text, const ColumnSelection& s = {}) {
    test::write_file(dir + "/c.dat", text);
    return error_of([&] { read_columns(dir + "/c.dat", s); });
  };
  const std::string h = "#! FIELDS time a b\n";
  EXPECT_NE(bad(h + "0 1 2\n1 1\n").find("c.dat', line 3: 2 fields, the header has 3"), std::string::npos);
  EXPECT_NE(bad(h + "0 1 2\n1 1 x2\n").find("line 3, column 3 ('b'): 'x2' is not a finite number"), std::string::npos);
  EXPECT_NE(bad(h + "0 1 2\n1 nan 2\n").find("column 2 ('a'): 'nan'"), std::string::npos);
  EXPECT_NE(bad(h + "5 1 2\n4 1 2\n").find("line 3: time goes backwards"), std::string::npos);
  ColumnSelection unknown;
  unknown.features = {"a", "c"};
  EXPECT_NE(bad(h + "0 1 2\n", unknown).find("no column named 'c' (available: time, a, b)"), std::string::npos);
  unknown.features = {"z*"};
  EXPECT_NE(bad(h + "0 1 2\n", unknown).find("no column matches 'z*'"), std::string::npos);
  EXPECT_NE(bad("#! FIELDS time m.bias\n0 1\n").find("no feature column left"), std::string::npos);
  EXPECT_NE(bad("").find("no header and no data"), std::string::npos);
  EXPECT_NE(bad(h).find("a header but no data rows"), std::string::npos);
  EXPECT_NE(bad(h + "0 1 2\n#! FIELDS time b\n1 2\n").find("line 3: this header block has no column 'a'"),
            std::string::npos);
  ColumnSelection wc;
  wc.weights_column = "w";
  EXPECT_NE(bad(h + "0 1 2\n", wc).find("no weights column 'w'"), std::string::npos);
}

TEST(Table, CsvAndTsvAreToldByContentNotByName) {
  const std::string dir = test::scratch_dir("table_csv");
  test::write_file(dir + "/a.txt", "# made by hand\ntime,x,y\n0,1.5,2\n1,  -3e-1 ,4\r\n");
  EXPECT_EQ(detect_format(dir + "/a.txt"), FileFormat::Table);
  const ColumnData c = read_columns(dir + "/a.txt");
  EXPECT_EQ(c.names, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(c.segments[0].data, (std::vector<double>{1.5, 2, -0.3, 4}));
  test::write_file(dir + "/b.npy", "x\ty\n1\t2\n3\t4\n");  // a TSV under an npy name
  EXPECT_EQ(detect_format(dir + "/b.npy"), FileFormat::Table);
  EXPECT_EQ(read_columns(dir + "/b.npy").segments[0].data, (std::vector<double>{1, 2, 3, 4}));
  write_npy(dir + "/c.csv", Array({2, 2}, {1, 2, 3, 4}));  // an npy under a csv name
  EXPECT_EQ(detect_format(dir + "/c.csv"), FileFormat::Npy);
  EXPECT_EQ(load_trajectories({dir + "/c.csv"}).trajectories()[0].input.data, (std::vector<double>{1, 2, 3, 4}));
  test::write_file(dir + "/n.csv", "1,2\n3,4\n");
  EXPECT_NE(error_of([&] { read_columns(dir + "/n.csv"); }).find("needs a header row"), std::string::npos);
  // Inputs must agree: same columns, one kind of file.
  test::write_file(dir + "/d.csv", "x,z\n1,2\n");
  EXPECT_NE(error_of([&] { load_trajectories({dir + "/a.txt", dir + "/d.csv"}); }).find("differ"), std::string::npos);
  EXPECT_NE(error_of([&] { load_trajectories({dir + "/a.txt", dir + "/c.csv"}); }).find("one kind of file"),
            std::string::npos);
}

TEST(Table, ModelsRememberTheirFeatureNames) {
  const std::string dir = test::scratch_dir("table_model");
  std::string text = "#! FIELDS time b a c.bias\n";
  for (int i = 0; i < 400; ++i) {
    text += std::to_string(i) + " " + std::to_string(std::sin(0.1 * i)) + " " + std::to_string(std::cos(0.07 * i)) + " 9\n";
  }
  test::write_file(dir + "/COLVAR", text);
  ColumnSelection s;
  s.features = {"a", "b"};
  const TrajectorySet data = load_trajectories({dir + "/COLVAR"}, {}, s);
  const Model m = Estimator(ModelOptions().set_model("tica").set_latent_dim(1)).fit(data);
  EXPECT_EQ(m.feature_names(), (std::vector<std::string>{"a", "b"}));
  m.save(dir + "/m.pt");
  const Model back = Model::load(dir + "/m.pt");
  EXPECT_EQ(back.feature_names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(back.encode(data.trajectories()[0].input).data, m.encode(data.trajectories()[0].input).data);
}
