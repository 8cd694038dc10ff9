// Typed, non-variadic wrappers over libcurl's variadic entry points.
//
// Swift cannot call C variadic functions such as curl_easy_setopt/curl_easy_getinfo, and the
// CURLVERSION_NOW macro does not import; each wrapper below is one line that fixes the type
// of the third argument. Nothing here holds state except the once-only global init.
#ifndef CCURLSHIM_H
#define CCURLSHIM_H

#include <curl/curl.h>

/// The value of CURLVERSION_NOW for curl_version_info().
extern const CURLversion ccurl_version_now;

/// curl_global_init(CURL_GLOBAL_ALL), run at most once per process (pthread_once).
/// Returns the result of the one call that ran.
CURLcode ccurl_global_init_once(void);

// curl_easy_setopt, one per argument type.
CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ccurl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode ccurl_setopt_write_function(CURL *handle, CURLoption option, curl_write_callback callback);
CURLcode ccurl_setopt_read_function(CURL *handle, curl_read_callback callback);
CURLcode ccurl_setopt_xferinfo_function(CURL *handle, curl_xferinfo_callback callback);

// curl_easy_getinfo, one per result type.
CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode ccurl_getinfo_string(CURL *handle, CURLINFO info, char **value);
CURLcode ccurl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);

#endif
