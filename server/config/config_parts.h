/* The sections of the configuration model, each read by its own file. */
#ifndef RIPOSTE_CONFIG_PARTS_H
#define RIPOSTE_CONFIG_PARTS_H

#include "config/conf_read.h"
#include "config/config.h"

void config_read_credentials(const conf_reader_t *r, const cJSON *root, config_t *cfg);
void config_read_plugins(const conf_reader_t *r, const cJSON *root, config_t *cfg);
void config_read_sources(const conf_reader_t *r, const cJSON *root, config_t *cfg);
void config_read_rules(const conf_reader_t *r, const cJSON *root, config_t *cfg);

#endif
