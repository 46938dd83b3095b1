// The SQLite C API for Storage's direct reads (GRDB keeps its own module of the same library).
#include <sqlite3.h>
