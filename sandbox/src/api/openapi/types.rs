//! The built-in Kubernetes types as compact field lists, deep enough for
//! kubectl's client-side apply to find the strategic-merge metadata of every
//! field a manifest commonly carries.
//!
//! Each entry is `(schema, fields)`. A field is `name[:type][/attr…]`, fields
//! separated by whitespace. Types: none = string, `i` int32, `l` int64, `b`
//! bool, `n` number, `ios` IntOrString, `qty` Quantity, `time` Time, `mtime`
//! MicroTime, `bytes`, `obj` free-form object, `{T}` map of T, `[T]` list of
//! T, anything else a reference `alias.Type` (see `schemas::expand`).
//! Attributes: `m=KEY` patch merge key KEY (strategy merge, listType map
//! keyed by KEY), `k=A,B` list-map keys, `atomic`, `set` (listType set with
//! strategy merge), `ps=S` patch strategy S only, `map` listType map without
//! patch metadata.
//!
//! Kinds (`core.Pod`) list only their own fields: apiVersion, kind, metadata
//! and the group-version-kind are added by `schemas`.

#[rustfmt::skip]
pub(super) const TYPES: &[(&str, &str)] = &[
    // meta/v1
    ("meta.ObjectMeta", "name generateName namespace selfLink uid resourceVersion generation:l \
        creationTimestamp:time deletionTimestamp:time deletionGracePeriodSeconds:l labels:{s} annotations:{s} \
        ownerReferences:[meta.OwnerReference]/m=uid finalizers:[s]/set managedFields:[meta.ManagedFieldsEntry]/atomic"),
    ("meta.OwnerReference", "apiVersion kind name uid controller:b blockOwnerDeletion:b"),
    ("meta.ManagedFieldsEntry", "manager operation apiVersion time:time fieldsType fieldsV1:obj subresource"),
    ("meta.ListMeta", "selfLink resourceVersion continue remainingItemCount:l"),
    ("meta.LabelSelector", "matchLabels:{s} matchExpressions:[meta.LabelSelectorRequirement]/atomic"),
    ("meta.LabelSelectorRequirement", "key operator values:[s]/atomic"),
    ("meta.Condition", "type status observedGeneration:l lastTransitionTime:time reason message"),
    ("meta.Status", "apiVersion kind metadata:meta.ListMeta status message reason details:meta.StatusDetails code:i"),
    ("meta.StatusDetails", "name group kind uid causes:[meta.StatusCause]/atomic retryAfterSeconds:i"),
    ("meta.StatusCause", "reason message field"),
    ("meta.DeleteOptions", "apiVersion kind gracePeriodSeconds:l preconditions:meta.Preconditions orphanDependents:b \
        propagationPolicy dryRun:[s]/atomic ignoreStoreReadErrorWithClusterBreakingPotential:b"),
    ("meta.Preconditions", "uid resourceVersion"),
    // core/v1
    ("core.Namespace", "spec:core.NamespaceSpec status:core.NamespaceStatus"),
    ("core.NamespaceSpec", "finalizers:[s]/atomic"),
    ("core.NamespaceStatus", "phase conditions:[core.NamespaceCondition]/m=type"),
    ("core.NamespaceCondition", "type status lastTransitionTime:time reason message"),
    ("core.Pod", "spec:core.PodSpec status:core.PodStatus"),
    ("core.PodTemplateSpec", "metadata:meta.ObjectMeta spec:core.PodSpec"),
    ("core.PodSpec", "volumes:[core.Volume]/m=name/ps=merge,retainKeys initContainers:[core.Container]/m=name \
        containers:[core.Container]/m=name ephemeralContainers:[core.EphemeralContainer]/m=name restartPolicy \
        terminationGracePeriodSeconds:l activeDeadlineSeconds:l dnsPolicy nodeSelector:{s} serviceAccountName \
        serviceAccount automountServiceAccountToken:b nodeName hostNetwork:b hostPID:b hostIPC:b shareProcessNamespace:b \
        securityContext:core.PodSecurityContext imagePullSecrets:[core.LocalObjectReference]/m=name hostname subdomain \
        affinity:core.Affinity schedulerName tolerations:[core.Toleration]/atomic hostAliases:[core.HostAlias]/m=ip \
        priorityClassName priority:i dnsConfig:core.PodDNSConfig readinessGates:[core.PodReadinessGate]/atomic \
        runtimeClassName enableServiceLinks:b preemptionPolicy overhead:{qty} \
        topologySpreadConstraints:[core.TopologySpreadConstraint]/m=topologyKey/k=topologyKey,whenUnsatisfiable \
        setHostnameAsFQDN:b os:core.PodOS hostUsers:b schedulingGates:[core.PodSchedulingGate]/m=name \
        resourceClaims:[core.PodResourceClaim]/m=name/ps=merge,retainKeys resources:core.ResourceRequirements hostnameOverride"),
    ("core.Container", "name image command:[s]/atomic args:[s]/atomic workingDir \
        ports:[core.ContainerPort]/m=containerPort/k=containerPort,protocol envFrom:[core.EnvFromSource]/atomic \
        env:[core.EnvVar]/m=name resources:core.ResourceRequirements resizePolicy:[core.ContainerResizePolicy]/atomic \
        restartPolicy volumeMounts:[core.VolumeMount]/m=mountPath volumeDevices:[core.VolumeDevice]/m=devicePath \
        livenessProbe:core.Probe readinessProbe:core.Probe startupProbe:core.Probe lifecycle:core.Lifecycle \
        terminationMessagePath terminationMessagePolicy imagePullPolicy securityContext:core.SecurityContext \
        stdin:b stdinOnce:b tty:b"),
    ("core.EphemeralContainer", "name image command:[s]/atomic args:[s]/atomic workingDir \
        ports:[core.ContainerPort]/m=containerPort/k=containerPort,protocol envFrom:[core.EnvFromSource]/atomic \
        env:[core.EnvVar]/m=name resources:core.ResourceRequirements volumeMounts:[core.VolumeMount]/m=mountPath \
        terminationMessagePath terminationMessagePolicy imagePullPolicy securityContext:core.SecurityContext \
        stdin:b stdinOnce:b tty:b targetContainerName"),
    ("core.ContainerPort", "name hostPort:i containerPort:i protocol hostIP"),
    ("core.EnvVar", "name value valueFrom:core.EnvVarSource"),
    ("core.EnvVarSource", "fieldRef:core.ObjectFieldSelector resourceFieldRef:core.ResourceFieldSelector \
        configMapKeyRef:core.ConfigMapKeySelector secretKeyRef:core.SecretKeySelector"),
    ("core.ObjectFieldSelector", "apiVersion fieldPath"),
    ("core.ResourceFieldSelector", "containerName resource divisor:qty"),
    ("core.ConfigMapKeySelector", "name key optional:b"),
    ("core.SecretKeySelector", "name key optional:b"),
    ("core.EnvFromSource", "prefix configMapRef:core.ConfigMapEnvSource secretRef:core.SecretEnvSource"),
    ("core.ConfigMapEnvSource", "name optional:b"),
    ("core.SecretEnvSource", "name optional:b"),
    ("core.ResourceRequirements", "limits:{qty} requests:{qty} claims:[core.ResourceClaim]/map/k=name"),
    ("core.ResourceClaim", "name request"),
    ("core.ContainerResizePolicy", "resourceName restartPolicy"),
    ("core.VolumeMount", "name readOnly:b recursiveReadOnly mountPath subPath mountPropagation subPathExpr"),
    ("core.VolumeDevice", "name devicePath"),
    ("core.Probe", "exec:core.ExecAction httpGet:core.HTTPGetAction tcpSocket:core.TCPSocketAction grpc:core.GRPCAction \
        initialDelaySeconds:i timeoutSeconds:i periodSeconds:i successThreshold:i failureThreshold:i \
        terminationGracePeriodSeconds:l"),
    ("core.ExecAction", "command:[s]/atomic"),
    ("core.HTTPGetAction", "path port:ios host scheme httpHeaders:[core.HTTPHeader]/atomic"),
    ("core.HTTPHeader", "name value"),
    ("core.TCPSocketAction", "port:ios host"),
    ("core.GRPCAction", "port:i service"),
    ("core.Lifecycle", "postStart:core.LifecycleHandler preStop:core.LifecycleHandler stopSignal"),
    ("core.LifecycleHandler", "exec:core.ExecAction httpGet:core.HTTPGetAction tcpSocket:core.TCPSocketAction sleep:core.SleepAction"),
    ("core.SleepAction", "seconds:l"),
    ("core.SecurityContext", "capabilities:core.Capabilities privileged:b seLinuxOptions:core.SELinuxOptions \
        windowsOptions:core.WindowsSecurityContextOptions runAsUser:l runAsGroup:l runAsNonRoot:b \
        readOnlyRootFilesystem:b allowPrivilegeEscalation:b procMount seccompProfile:core.SeccompProfile \
        appArmorProfile:core.AppArmorProfile"),
    ("core.Capabilities", "add:[s]/atomic drop:[s]/atomic"),
    ("core.SELinuxOptions", "user role type level"),
    ("core.WindowsSecurityContextOptions", "gmsaCredentialSpecName gmsaCredentialSpec runAsUserName hostProcess:b"),
    ("core.SeccompProfile", "type localhostProfile"),
    ("core.AppArmorProfile", "type localhostProfile"),
    ("core.PodSecurityContext", "seLinuxOptions:core.SELinuxOptions windowsOptions:core.WindowsSecurityContextOptions \
        runAsUser:l runAsGroup:l runAsNonRoot:b supplementalGroups:[l]/atomic supplementalGroupsPolicy fsGroup:l \
        sysctls:[core.Sysctl]/atomic fsGroupChangePolicy seccompProfile:core.SeccompProfile \
        appArmorProfile:core.AppArmorProfile seLinuxChangePolicy"),
    ("core.Sysctl", "name value"),
    ("core.LocalObjectReference", "name"),
    ("core.ObjectReference", "kind namespace name uid apiVersion resourceVersion fieldPath"),
    ("core.Toleration", "key operator value effect tolerationSeconds:l"),
    ("core.HostAlias", "ip hostnames:[s]/atomic"),
    ("core.PodDNSConfig", "nameservers:[s]/atomic searches:[s]/atomic options:[core.PodDNSConfigOption]/atomic"),
    ("core.PodDNSConfigOption", "name value"),
    ("core.PodReadinessGate", "conditionType"),
    ("core.PodOS", "name"),
    ("core.PodSchedulingGate", "name"),
    ("core.PodResourceClaim", "name resourceClaimName resourceClaimTemplateName"),
    ("core.TopologySpreadConstraint", "maxSkew:i topologyKey whenUnsatisfiable labelSelector:meta.LabelSelector \
        minDomains:i nodeAffinityPolicy nodeTaintsPolicy matchLabelKeys:[s]/atomic"),
    ("core.Affinity", "nodeAffinity:core.NodeAffinity podAffinity:core.PodAffinity podAntiAffinity:core.PodAntiAffinity"),
    ("core.NodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution:core.NodeSelector \
        preferredDuringSchedulingIgnoredDuringExecution:[obj]/atomic"),
    ("core.NodeSelector", "nodeSelectorTerms:[obj]/atomic"),
    ("core.PodAffinity", "requiredDuringSchedulingIgnoredDuringExecution:[obj]/atomic \
        preferredDuringSchedulingIgnoredDuringExecution:[obj]/atomic"),
    ("core.PodAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution:[obj]/atomic \
        preferredDuringSchedulingIgnoredDuringExecution:[obj]/atomic"),
    ("core.Volume", "name hostPath:core.HostPathVolumeSource emptyDir:core.EmptyDirVolumeSource \
        secret:core.SecretVolumeSource nfs:core.NFSVolumeSource persistentVolumeClaim:core.PersistentVolumeClaimVolumeSource \
        downwardAPI:core.DownwardAPIVolumeSource configMap:core.ConfigMapVolumeSource csi:core.CSIVolumeSource \
        projected:core.ProjectedVolumeSource ephemeral:obj image:core.ImageVolumeSource"),
    ("core.HostPathVolumeSource", "path type"),
    ("core.EmptyDirVolumeSource", "medium sizeLimit:qty"),
    ("core.SecretVolumeSource", "secretName items:[core.KeyToPath]/atomic defaultMode:i optional:b"),
    ("core.ConfigMapVolumeSource", "name items:[core.KeyToPath]/atomic defaultMode:i optional:b"),
    ("core.KeyToPath", "key path mode:i"),
    ("core.NFSVolumeSource", "server path readOnly:b"),
    ("core.PersistentVolumeClaimVolumeSource", "claimName readOnly:b"),
    ("core.DownwardAPIVolumeSource", "items:[core.DownwardAPIVolumeFile]/atomic defaultMode:i"),
    ("core.DownwardAPIVolumeFile", "path fieldRef:core.ObjectFieldSelector resourceFieldRef:core.ResourceFieldSelector mode:i"),
    ("core.CSIVolumeSource", "driver readOnly:b fsType volumeAttributes:{s} nodePublishSecretRef:core.LocalObjectReference"),
    ("core.ProjectedVolumeSource", "sources:[core.VolumeProjection]/atomic defaultMode:i"),
    ("core.VolumeProjection", "secret:obj downwardAPI:obj configMap:obj serviceAccountToken:obj clusterTrustBundle:obj podCertificate:obj"),
    ("core.ImageVolumeSource", "reference pullPolicy"),
    ("core.PodStatus", "observedGeneration:l phase conditions:[core.PodCondition]/m=type message reason nominatedNodeName \
        hostIP hostIPs:[core.HostIP]/m=ip/atomic podIP podIPs:[core.PodIP]/m=ip startTime:time \
        initContainerStatuses:[obj]/atomic containerStatuses:[obj]/atomic qosClass \
        ephemeralContainerStatuses:[obj]/atomic resize resourceClaimStatuses:[obj]/m=name"),
    ("core.PodCondition", "type observedGeneration:l status lastProbeTime:time lastTransitionTime:time reason message"),
    ("core.HostIP", "ip"),
    ("core.PodIP", "ip"),
    ("core.Service", "spec:core.ServiceSpec status:core.ServiceStatus"),
    ("core.ServiceSpec", "ports:[core.ServicePort]/m=port/k=port,protocol selector:{s} clusterIP clusterIPs:[s]/atomic \
        type externalIPs:[s]/atomic sessionAffinity loadBalancerIP loadBalancerSourceRanges:[s]/atomic externalName \
        externalTrafficPolicy healthCheckNodePort:i publishNotReadyAddresses:b \
        sessionAffinityConfig:core.SessionAffinityConfig ipFamilies:[s]/atomic ipFamilyPolicy \
        allocateLoadBalancerNodePorts:b loadBalancerClass internalTrafficPolicy trafficDistribution"),
    ("core.ServicePort", "name protocol appProtocol port:i targetPort:ios nodePort:i"),
    ("core.SessionAffinityConfig", "clientIP:core.ClientIPConfig"),
    ("core.ClientIPConfig", "timeoutSeconds:i"),
    ("core.ServiceStatus", "loadBalancer:core.LoadBalancerStatus conditions:[meta.Condition]/m=type"),
    ("core.LoadBalancerStatus", "ingress:[obj]/atomic"),
    ("core.Endpoints", "subsets:[core.EndpointSubset]/atomic"),
    ("core.EndpointSubset", "addresses:[obj]/atomic notReadyAddresses:[obj]/atomic ports:[obj]/atomic"),
    ("core.Secret", "immutable:b data:{bytes} stringData:{s} type"),
    ("core.ConfigMap", "immutable:b data:{s} binaryData:{bytes}"),
    ("core.ServiceAccount", "secrets:[core.ObjectReference]/m=name imagePullSecrets:[core.LocalObjectReference]/atomic \
        automountServiceAccountToken:b"),
    ("core.Event", "involvedObject:core.ObjectReference reason message source:core.EventSource firstTimestamp:time \
        lastTimestamp:time count:i type eventTime:mtime series:core.EventSeries action related:core.ObjectReference \
        reportingComponent reportingInstance"),
    ("core.EventSource", "component host"),
    ("core.EventSeries", "count:i lastObservedTime:mtime"),
    ("core.Node", "spec:core.NodeSpec status:core.NodeStatus"),
    ("core.NodeSpec", "podCIDR podCIDRs:[s]/set providerID unschedulable:b taints:[core.Taint]/atomic externalID"),
    ("core.Taint", "key value effect timeAdded:time"),
    ("core.NodeStatus", "capacity:{qty} allocatable:{qty} phase conditions:[core.NodeCondition]/m=type \
        addresses:[core.NodeAddress]/m=type daemonEndpoints:obj nodeInfo:obj images:[obj]/atomic \
        volumesInUse:[s]/atomic volumesAttached:[obj]/atomic config:obj runtimeHandlers:[obj]/atomic features:obj"),
    ("core.NodeCondition", "type status lastHeartbeatTime:time lastTransitionTime:time reason message"),
    ("core.NodeAddress", "type address"),
    ("core.PersistentVolumeClaim", "metadata:meta.ObjectMeta spec:obj status:obj"),
    // apps/v1
    ("apps.Deployment", "spec:apps.DeploymentSpec status:apps.DeploymentStatus"),
    ("apps.DeploymentSpec", "replicas:i selector:meta.LabelSelector template:core.PodTemplateSpec \
        strategy:apps.DeploymentStrategy/ps=retainKeys minReadySeconds:i revisionHistoryLimit:i paused:b \
        progressDeadlineSeconds:i"),
    ("apps.DeploymentStrategy", "type rollingUpdate:apps.RollingUpdateDeployment"),
    ("apps.RollingUpdateDeployment", "maxUnavailable:ios maxSurge:ios"),
    ("apps.DeploymentStatus", "observedGeneration:l replicas:i updatedReplicas:i readyReplicas:i availableReplicas:i \
        unavailableReplicas:i terminatingReplicas:i conditions:[apps.DeploymentCondition]/m=type collisionCount:i"),
    ("apps.DeploymentCondition", "type status lastUpdateTime:time lastTransitionTime:time reason message"),
    ("apps.ReplicaSet", "spec:apps.ReplicaSetSpec status:apps.ReplicaSetStatus"),
    ("apps.ReplicaSetSpec", "replicas:i minReadySeconds:i selector:meta.LabelSelector template:core.PodTemplateSpec"),
    ("apps.ReplicaSetStatus", "replicas:i fullyLabeledReplicas:i readyReplicas:i availableReplicas:i \
        terminatingReplicas:i observedGeneration:l conditions:[apps.ReplicaSetCondition]/m=type"),
    ("apps.ReplicaSetCondition", "type status lastTransitionTime:time reason message"),
    ("apps.DaemonSet", "spec:apps.DaemonSetSpec status:apps.DaemonSetStatus"),
    ("apps.DaemonSetSpec", "selector:meta.LabelSelector template:core.PodTemplateSpec \
        updateStrategy:apps.DaemonSetUpdateStrategy minReadySeconds:i revisionHistoryLimit:i"),
    ("apps.DaemonSetUpdateStrategy", "type rollingUpdate:apps.RollingUpdateDaemonSet"),
    ("apps.RollingUpdateDaemonSet", "maxUnavailable:ios maxSurge:ios"),
    ("apps.DaemonSetStatus", "currentNumberScheduled:i numberMisscheduled:i desiredNumberScheduled:i numberReady:i \
        observedGeneration:l updatedNumberScheduled:i numberAvailable:i numberUnavailable:i collisionCount:i \
        conditions:[apps.DaemonSetCondition]/m=type"),
    ("apps.DaemonSetCondition", "type status lastTransitionTime:time reason message"),
    ("apps.StatefulSet", "spec:apps.StatefulSetSpec status:apps.StatefulSetStatus"),
    ("apps.StatefulSetSpec", "replicas:i selector:meta.LabelSelector template:core.PodTemplateSpec \
        volumeClaimTemplates:[core.PersistentVolumeClaim]/atomic serviceName podManagementPolicy \
        updateStrategy:apps.StatefulSetUpdateStrategy revisionHistoryLimit:i minReadySeconds:i \
        persistentVolumeClaimRetentionPolicy:apps.StatefulSetPersistentVolumeClaimRetentionPolicy \
        ordinals:apps.StatefulSetOrdinals"),
    ("apps.StatefulSetUpdateStrategy", "type rollingUpdate:apps.RollingUpdateStatefulSetStrategy"),
    ("apps.RollingUpdateStatefulSetStrategy", "partition:i maxUnavailable:ios"),
    ("apps.StatefulSetPersistentVolumeClaimRetentionPolicy", "whenDeleted whenScaled"),
    ("apps.StatefulSetOrdinals", "start:i"),
    ("apps.StatefulSetStatus", "observedGeneration:l replicas:i readyReplicas:i currentReplicas:i updatedReplicas:i \
        currentRevision updateRevision collisionCount:i conditions:[apps.StatefulSetCondition]/m=type availableReplicas:i"),
    ("apps.StatefulSetCondition", "type status lastTransitionTime:time reason message"),
    ("apps.ControllerRevision", "data:obj revision:l"),
    // autoscaling
    ("asv1.Scale", "spec:asv1.ScaleSpec status:asv1.ScaleStatus"),
    ("asv1.ScaleSpec", "replicas:i"),
    ("asv1.ScaleStatus", "replicas:i selector"),
    ("asv2.HorizontalPodAutoscaler", "spec:asv2.HorizontalPodAutoscalerSpec status:asv2.HorizontalPodAutoscalerStatus"),
    ("asv2.HorizontalPodAutoscalerSpec", "scaleTargetRef:asv2.CrossVersionObjectReference minReplicas:i maxReplicas:i \
        metrics:[obj]/atomic behavior:asv2.HorizontalPodAutoscalerBehavior"),
    ("asv2.CrossVersionObjectReference", "kind name apiVersion"),
    ("asv2.HorizontalPodAutoscalerBehavior", "scaleUp:asv2.HPAScalingRules scaleDown:asv2.HPAScalingRules"),
    ("asv2.HPAScalingRules", "stabilizationWindowSeconds:i selectPolicy policies:[obj]/atomic tolerance:qty"),
    ("asv2.HorizontalPodAutoscalerStatus", "observedGeneration:l lastScaleTime:time currentReplicas:i desiredReplicas:i \
        currentMetrics:[obj]/atomic conditions:[obj]/m=type"),
    // policy/v1
    ("policy.PodDisruptionBudget", "spec:policy.PodDisruptionBudgetSpec status:policy.PodDisruptionBudgetStatus"),
    ("policy.PodDisruptionBudgetSpec", "minAvailable:ios selector:meta.LabelSelector/ps=replace maxUnavailable:ios \
        unhealthyPodEvictionPolicy"),
    ("policy.PodDisruptionBudgetStatus", "observedGeneration:l disruptedPods:{time} disruptionsAllowed:i \
        currentHealthy:i desiredHealthy:i expectedPods:i conditions:[meta.Condition]/m=type"),
    // rbac/v1
    ("rbac.Role", "rules:[rbac.PolicyRule]/atomic"),
    ("rbac.ClusterRole", "rules:[rbac.PolicyRule]/atomic aggregationRule:rbac.AggregationRule"),
    ("rbac.AggregationRule", "clusterRoleSelectors:[meta.LabelSelector]/atomic"),
    ("rbac.PolicyRule", "verbs:[s]/atomic apiGroups:[s]/atomic resources:[s]/atomic resourceNames:[s]/atomic \
        nonResourceURLs:[s]/atomic"),
    ("rbac.RoleBinding", "subjects:[rbac.Subject]/atomic roleRef:rbac.RoleRef"),
    ("rbac.ClusterRoleBinding", "subjects:[rbac.Subject]/atomic roleRef:rbac.RoleRef"),
    ("rbac.Subject", "kind apiGroup name namespace"),
    ("rbac.RoleRef", "apiGroup kind name"),
    // admissionregistration/v1
    ("adm.MutatingWebhookConfiguration", "webhooks:[adm.MutatingWebhook]/m=name"),
    ("adm.ValidatingWebhookConfiguration", "webhooks:[adm.ValidatingWebhook]/m=name"),
    ("adm.MutatingWebhook", "name clientConfig:adm.WebhookClientConfig rules:[adm.RuleWithOperations]/atomic \
        failurePolicy matchPolicy namespaceSelector:meta.LabelSelector objectSelector:meta.LabelSelector sideEffects \
        timeoutSeconds:i admissionReviewVersions:[s]/atomic reinvocationPolicy matchConditions:[adm.MatchCondition]/m=name"),
    ("adm.ValidatingWebhook", "name clientConfig:adm.WebhookClientConfig rules:[adm.RuleWithOperations]/atomic \
        failurePolicy matchPolicy namespaceSelector:meta.LabelSelector objectSelector:meta.LabelSelector sideEffects \
        timeoutSeconds:i admissionReviewVersions:[s]/atomic matchConditions:[adm.MatchCondition]/m=name"),
    ("adm.WebhookClientConfig", "url service:adm.ServiceReference caBundle:bytes"),
    ("adm.ServiceReference", "namespace name path port:i"),
    ("adm.RuleWithOperations", "operations:[s]/atomic apiGroups:[s]/atomic apiVersions:[s]/atomic resources:[s]/atomic scope"),
    ("adm.MatchCondition", "name expression"),
    // certificates/v1
    ("cert.CertificateSigningRequest", "spec:cert.CertificateSigningRequestSpec status:cert.CertificateSigningRequestStatus"),
    ("cert.CertificateSigningRequestSpec", "request:bytes/atomic signerName expirationSeconds:i usages:[s]/atomic \
        username uid groups:[s]/atomic extra:{[s]}"),
    ("cert.CertificateSigningRequestStatus", "conditions:[cert.CertificateSigningRequestCondition]/map/k=type \
        certificate:bytes/atomic"),
    ("cert.CertificateSigningRequestCondition", "type status reason message lastUpdateTime:time lastTransitionTime:time"),
    // apiextensions/v1
    ("ext.CustomResourceDefinition", "spec:ext.CustomResourceDefinitionSpec status:ext.CustomResourceDefinitionStatus"),
    ("ext.CustomResourceDefinitionSpec", "group names:ext.CustomResourceDefinitionNames scope \
        versions:[obj]/atomic conversion:obj preserveUnknownFields:b"),
    ("ext.CustomResourceDefinitionNames", "plural singular shortNames:[s]/atomic kind listKind categories:[s]/atomic"),
    ("ext.CustomResourceDefinitionStatus", "conditions:[obj]/map/k=type acceptedNames:ext.CustomResourceDefinitionNames \
        storedVersions:[s]/atomic"),
];
