#ifndef PORTAL_LAZY_LIBRARIES_H
#define PORTAL_LAZY_LIBRARIES_H

#include <stddef.h>

/// libcurl and libxml2, loaded with dlopen on first use instead of linked: only a worker that sends an
/// audit webhook or checks SAML metadata maps them (and their ~35 dependencies), the others start faster
/// and smaller.

/// POSTs `body` to `url` (http or https, no redirects followed, certificates verified) with the given
/// "Name: value" header lines. Returns 0 when an HTTP reply arrived (its status in `*status`), otherwise
/// -1 with a message in `error` (always NUL-terminated).
int portal_http_post(const char *url, const char *const *headers, size_t header_count,
                     const void *body, size_t body_length, long timeout_seconds,
                     long *status, char *error, size_t error_capacity);

/// Parses `xml` (no network, no external entities, no entity substitution). Returns 1 when it is
/// well-formed, with the root element's local name in `root`; 0 when it is not; -1 with a message in
/// `error` (which may be NULL with a capacity of 0) when libxml2 cannot be loaded.
int portal_xml_root_element(const void *xml, size_t length, char *root, size_t root_capacity,
                            char *error, size_t error_capacity);

#endif
