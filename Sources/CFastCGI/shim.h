// Only the reentrant libfcgi API: fcgi_stdio.h would redefine printf/stdout.
#include <fcgiapp.h>
