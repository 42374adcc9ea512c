{{/* Names ---------------------------------------------------------------------------------- */}}

{{- define "lm.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Name of a component's objects: <fullname>-<component>. */}}
{{- define "lm.componentName" -}}
{{- printf "%s-%s" (include "lm.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "lm.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: little-monster
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "lm.selectorLabels" . }}
{{- with .root.Values.global.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "lm.selectorLabels" -}}
app.kubernetes.io/name: little-monster
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* Merging ------------------------------------------------------------------------------------
   A deep merge in which every key of src wins, false and 0 included (sprig's mergeOverwrite
   skips "empty" values, so `grpc: {port: 0}` could not switch a default off). Returns JSON. */}}
{{- define "lm.merge" -}}
{{- $dst := deepCopy .dst -}}
{{- range $key, $value := .src -}}
{{- $current := get $dst $key -}}
{{- if and (kindIs "map" $value) (kindIs "map" $current) -}}
{{- $_ := set $dst $key (include "lm.merge" (dict "dst" $current "src" $value) | fromJson) -}}
{{- else -}}
{{- $_ := set $dst $key $value -}}
{{- end -}}
{{- end -}}
{{- toJson $dst -}}
{{- end -}}

{{/* A service's settings: serviceDefaults overridden by services.<name>. Returns JSON. */}}
{{- define "lm.service" -}}
{{- $own := get .root.Values.services .name | default dict -}}
{{- include "lm.merge" (dict "dst" .root.Values.serviceDefaults "src" $own) -}}
{{- end -}}

{{/* Images -------------------------------------------------------------------------------- */}}

{{- define "lm.imageWithRegistry" -}}
{{- $registry := .root.Values.global.imageRegistry -}}
{{- if $registry -}}{{ printf "%s/%s" (trimSuffix "/" $registry) .image }}{{- else -}}{{ .image }}{{- end -}}
{{- end -}}

{{/* The image of a service: image.ref wins; else repository (default prefix+name) and tag. */}}
{{- define "lm.serviceImage" -}}
{{- $image := .svc.image -}}
{{- if $image.ref -}}
{{- $image.ref -}}
{{- else -}}
{{- $repository := $image.repository | default (printf "%s%s" .root.Values.images.repositoryPrefix .name) -}}
{{- $tag := $image.tag | default .root.Values.images.tag | default .root.Chart.AppVersion -}}
{{- include "lm.imageWithRegistry" (dict "root" .root "image" (printf "%s:%s" $repository $tag)) -}}
{{- end -}}
{{- end -}}

{{/* An infrastructure image: {repository, tag}. */}}
{{- define "lm.infraImage" -}}
{{- include "lm.imageWithRegistry" (dict "root" .root "image" (printf "%s:%s" .image.repository .image.tag)) -}}
{{- end -}}

{{- define "lm.imagePullSecrets" -}}
{{- with .Values.global.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Infrastructure addresses ----------------------------------------------------------------- */}}

{{- define "lm.kafkaClusterName" -}}
{{- .Values.kafka.strimzi.clusterName | default (include "lm.fullname" .) -}}
{{- end -}}

{{- define "lm.kafkaBrokers" -}}
{{- if eq .Values.kafka.mode "strimzi" -}}
{{- printf "%s-kafka-bootstrap:9092" (include "lm.kafkaClusterName" .) -}}
{{- else if eq .Values.kafka.mode "external" -}}
{{- required "kafka.external.brokers is required when kafka.mode is external" .Values.kafka.external.brokers -}}
{{- end -}}
{{- end -}}

{{- define "lm.postgresHost" -}}
{{- include "lm.componentName" (dict "root" . "name" "postgresql") -}}
{{- end -}}

{{- define "lm.postgresSecretName" -}}
{{- .Values.postgresql.bundled.auth.existingSecret | default (include "lm.componentName" (dict "root" . "name" "postgresql")) -}}
{{- end -}}

{{- define "lm.keycloakPublicUrl" -}}
{{- if .Values.keycloak.publicUrl -}}
{{- .Values.keycloak.publicUrl -}}
{{- else -}}
{{- printf "%s://%s/auth" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host -}}
{{- end -}}
{{- end -}}

{{- define "lm.keycloakUrl" -}}
{{- if eq .Values.keycloak.mode "bundled" -}}
{{- printf "http://%s:8080/auth" (include "lm.componentName" (dict "root" . "name" "keycloak")) -}}
{{- else if eq .Values.keycloak.mode "external" -}}
{{- required "keycloak.external.url is required when keycloak.mode is external" .Values.keycloak.external.url -}}
{{- end -}}
{{- end -}}

{{- define "lm.qdrantUrl" -}}
{{- if eq .Values.qdrant.mode "bundled" -}}
{{- printf "http://%s:6333" (include "lm.componentName" (dict "root" . "name" "qdrant")) -}}
{{- else if eq .Values.qdrant.mode "external" -}}
{{- required "qdrant.external.url is required when qdrant.mode is external" .Values.qdrant.external.url -}}
{{- end -}}
{{- end -}}

{{- define "lm.ollamaUrl" -}}
{{- if eq .Values.ollama.mode "bundled" -}}
{{- printf "http://%s:11434" (include "lm.componentName" (dict "root" . "name" "ollama")) -}}
{{- else if eq .Values.ollama.mode "external" -}}
{{- required "ollama.external.url is required when ollama.mode is external" .Values.ollama.external.url -}}
{{- end -}}
{{- end -}}

{{- define "lm.appSecretName" -}}
{{- .Values.secrets.existingSecret | default (include "lm.componentName" (dict "root" . "name" "secrets")) -}}
{{- end -}}

{{/* A container securityContext for infrastructure that cannot run with a read-only root. */}}
{{- define "lm.writableRootSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: false
capabilities: { drop: [ALL] }
{{- end -}}

{{/* Checksums of the config and secret the services read, so changes roll the pods. */}}
{{- define "lm.configChecksums" -}}
checksum/config: {{ include (print .Template.BasePath "/config.yaml") . | sha256sum }}
checksum/secrets: {{ include (print .Template.BasePath "/secrets.yaml") . | sha256sum }}
{{- end -}}

{{/* The RTC port list of the media service. */}}
{{- define "lm.rtcPorts" -}}
{{- $rtc := .Values.media.rtc -}}
{{- if gt (int $rtc.minPort) (int $rtc.maxPort) -}}
{{- fail "media.rtc.minPort must not exceed media.rtc.maxPort" -}}
{{- end -}}
{{- toJson (untilStep (int $rtc.minPort) (int (add1 $rtc.maxPort)) 1) -}}
{{- end -}}
