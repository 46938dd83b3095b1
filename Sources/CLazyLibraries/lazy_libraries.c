#include "lazy_libraries.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static void copy_message(char *error, size_t capacity, const char *message) {
    if (capacity == 0) return;
    snprintf(error, capacity, "%s", message);
}

// --- libcurl ---------------------------------------------------------------------------------------

static struct {
    const char *failure;
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} curl;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void load_curl(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        curl.failure = "libcurl.so.4 cannot be loaded (apt-get install libcurl4)";
        return;
    }
    curl.global_init = (CURLcode (*)(long))dlsym(library, "curl_global_init");
    curl.easy_init = (CURL *(*)(void))dlsym(library, "curl_easy_init");
    curl.easy_setopt = (CURLcode (*)(CURL *, CURLoption, ...))dlsym(library, "curl_easy_setopt");
    curl.easy_perform = (CURLcode (*)(CURL *))dlsym(library, "curl_easy_perform");
    curl.easy_getinfo = (CURLcode (*)(CURL *, CURLINFO, ...))dlsym(library, "curl_easy_getinfo");
    curl.easy_cleanup = (void (*)(CURL *))dlsym(library, "curl_easy_cleanup");
    curl.easy_strerror = (const char *(*)(CURLcode))dlsym(library, "curl_easy_strerror");
    curl.slist_append = (struct curl_slist *(*)(struct curl_slist *, const char *))dlsym(library, "curl_slist_append");
    curl.slist_free_all = (void (*)(struct curl_slist *))dlsym(library, "curl_slist_free_all");
    if (!curl.global_init || !curl.easy_init || !curl.easy_setopt || !curl.easy_perform || !curl.easy_getinfo ||
        !curl.easy_cleanup || !curl.easy_strerror || !curl.slist_append || !curl.slist_free_all) {
        curl.failure = "libcurl.so.4 lacks the easy interface";
        return;
    }
    // Not thread-safe in older libcurls: once, here, before any easy handle exists.
    if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) curl.failure = "curl_global_init failed";
}

static size_t discard_reply(char *data, size_t size, size_t count, void *context) {
    (void)data;
    (void)context;
    return size * count;
}

int portal_http_post(const char *url, const char *const *headers, size_t header_count,
                     const void *body, size_t body_length, long timeout_seconds,
                     long *status, char *error, size_t error_capacity) {
    pthread_once(&curl_once, load_curl);
    if (curl.failure) {
        copy_message(error, error_capacity, curl.failure);
        return -1;
    }
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) {
        if (strpbrk(headers[i], "\r\n")) {
            curl.slist_free_all(list);
            copy_message(error, error_capacity, "a header value holds a line break");
            return -1;
        }
        struct curl_slist *longer = curl.slist_append(list, headers[i]);
        if (!longer) {
            curl.slist_free_all(list);
            copy_message(error, error_capacity, "out of memory");
            return -1;
        }
        list = longer;
    }
    CURL *handle = curl.easy_init();
    if (!handle) {
        curl.slist_free_all(list);
        copy_message(error, error_capacity, "curl_easy_init failed");
        return -1;
    }
    char message[CURL_ERROR_SIZE] = "";
    curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, message);
    curl.easy_setopt(handle, CURLOPT_URL, url);
    // Only the web: a destination cannot make the worker read file:// or speak another protocol,
    // and a redirect is not followed (it counts as a failed delivery).
    if (curl.easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK)
        curl.easy_setopt(handle, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl.easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    curl.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L); // no SIGALRM in a multi-threaded worker
    curl.easy_setopt(handle, CURLOPT_TIMEOUT, timeout_seconds);
    curl.easy_setopt(handle, CURLOPT_POST, 1L);
    curl.easy_setopt(handle, CURLOPT_POSTFIELDS, body);
    curl.easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
    curl.easy_setopt(handle, CURLOPT_HTTPHEADER, list);
    curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard_reply);
    CURLcode result = curl.easy_perform(handle);
    int outcome = 0;
    if (result == CURLE_OK) {
        long code = 0;
        curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
        *status = code;
    } else {
        copy_message(error, error_capacity, message[0] ? message : curl.easy_strerror(result));
        outcome = -1;
    }
    curl.easy_cleanup(handle);
    curl.slist_free_all(list);
    return outcome;
}

// --- libxml2 ---------------------------------------------------------------------------------------

// The two members of libxml2's xmlNode that are read here; its layout begins so in every 2.x release.
struct xml_node_prefix {
    void *private_data;
    int type;
    const unsigned char *name;
};

enum { XML_OPTION_NOERROR = 1 << 5, XML_OPTION_NOWARNING = 1 << 6, XML_OPTION_NONET = 1 << 11 };

static struct {
    const char *failure;
    void (*init_parser)(void);
    void *(*read_memory)(const char *, int, const char *, const char *, int);
    struct xml_node_prefix *(*root_element)(const void *);
    void (*free_doc)(void *);
} xml;

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void load_xml(void) {
    void *library = dlopen("libxml2.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        xml.failure = "libxml2.so.2 cannot be loaded (apt-get install libxml2)";
        return;
    }
    xml.init_parser = (void (*)(void))dlsym(library, "xmlInitParser");
    xml.read_memory = (void *(*)(const char *, int, const char *, const char *, int))dlsym(library, "xmlReadMemory");
    xml.root_element = (struct xml_node_prefix *(*)(const void *))dlsym(library, "xmlDocGetRootElement");
    xml.free_doc = (void (*)(void *))dlsym(library, "xmlFreeDoc");
    if (!xml.init_parser || !xml.read_memory || !xml.root_element || !xml.free_doc) {
        xml.failure = "libxml2.so.2 lacks xmlReadMemory";
        return;
    }
    xml.init_parser(); // before any thread parses
}

int portal_xml_root_element(const void *data, size_t length, char *root, size_t root_capacity,
                            char *error, size_t error_capacity) {
    pthread_once(&xml_once, load_xml);
    if (xml.failure) {
        copy_message(error, error_capacity, xml.failure);
        return -1;
    }
    if (length > 0x7fffffff) return 0;
    // Without XML_PARSE_NOENT entities are not substituted and without XML_PARSE_DTDLOAD no external
    // DTD is read; libxml2's own limits bound entity expansion.
    void *document = xml.read_memory(data, (int)length, NULL, NULL, XML_OPTION_NONET | XML_OPTION_NOERROR | XML_OPTION_NOWARNING);
    if (!document) return 0;
    struct xml_node_prefix *element = xml.root_element(document);
    int outcome = 0;
    if (element && element->name) {
        snprintf(root, root_capacity, "%s", (const char *)element->name);
        outcome = 1;
    }
    xml.free_doc(document);
    return outcome;
}
