"""Installs the Dynamo Platform from Python with the component's generated SDK."""
import pulumi
import pulumi_dynamo as dynamo

config = pulumi.Config()

platform = dynamo.DynamoPlatform(
    "dynamo",
    release_version=config.get("releaseVersion") or "1.6.1",
    namespace="dynamo-py",
    discovery_backend=dynamo.DiscoveryBackend.ETCD,
    storage_class=config.get("modelCacheStorageClass") or "nfs",
    persistence_storage_class=config.get("persistenceStorageClass"),
    chart_repository=config.get("chartRepository"),
    skip_await=config.get_bool("skipAwait"),
)

pulumi.export("namespace", platform.namespace)
pulumi.export("etcdEndpoint", platform.etcd_endpoint)
pulumi.export("natsEndpoint", platform.nats_endpoint)
