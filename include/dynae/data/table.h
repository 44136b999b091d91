#pragma once
// Trajectories as named columns of text: PLUMED COLVAR files and CSV / TSV
// tables with a header row. Read as a stream: memory holds only the chosen
// columns.
#include <cstdint>
#include <string>
#include <vector>

#include "dynae/array.h"

namespace dynae {

/// What a trajectory file holds, told from its first bytes (not its name):
/// the npy magic; a PLUMED header ("#! FIELDS"); otherwise a text table.
enum class FileFormat { Npy, Colvar, Table };
FileFormat detect_format(const std::string& path);
const char* format_name(FileFormat f);

/// Which columns become features. Empty `features`: every column except the
/// time (COLVAR: the first field; a table: a column named "time"), the
/// bias-like columns of PLUMED (*.bias, *.rbias, *.rct, *.work) and the
/// weights column. Otherwise each entry is a name or a glob (fnmatch: `d*`,
/// `phi,psi` given as two entries); globs expand in file order.
struct ColumnSelection {
  std::vector<std::string> features;
  std::string weights_column;  ///< read beside the features when not empty
};

/// The selected columns of a COLVAR or table file.
struct ColumnData {
  std::vector<std::string> names;      ///< the chosen feature columns, in selection order
  std::vector<std::string> columns;    ///< every column of the (first) header
  /// One (T_k, features) array per segment: a COLVAR's header blocks
  /// (restarts) each start a new segment; a table is one segment.
  std::vector<Array> segments;
  std::vector<std::vector<double>> weights;  ///< per segment, when a weights column was selected
  std::vector<int64_t> first_lines;          ///< line number of each segment's first row
};

/// Reads a PLUMED COLVAR (`#! FIELDS time a b ...` headers, `#! SET` lines,
/// comments, blank lines, any whitespace; several header blocks) or a CSV /
/// TSV table (header row; comma, tab or whitespace separated, told from the
/// header; `#` comment lines). Throws DataError naming the file, line and
/// column: a ragged row, a non-numeric or non-finite field, an unknown
/// feature name (listing the available ones), time going backwards inside a
/// block, an empty selection or an empty file.
ColumnData read_columns(const std::string& path, const ColumnSelection& selection = {});

/// The names a selection picks from `columns` (same rules as read_columns;
/// `time_column` is excluded by default). Throws DataError naming `what`.
std::vector<std::string> select_columns(const std::vector<std::string>& columns, const ColumnSelection& selection,
                                        const std::string& time_column, const std::string& what);

/// Writes a PLUMED COLVAR, atomically: a `#! FIELDS time <names...>` header,
/// then one row per frame of `values` (T, names), with time = frame * time_step
/// (PLUMED's time unit is the ps). Values are written with 9 significant digits
/// (float precision). Throws DataError when names and columns disagree or a
/// name holds whitespace; Error when the file cannot be written.
void write_colvar(const std::string& path, const std::vector<std::string>& names, const Array& values,
                  double time_step);

}  // namespace dynae
