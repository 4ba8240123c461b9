extern alias apphost;

using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Projects = apphost::Projects;

namespace Toutiao.Tests.Deploy;

/// <summary>
/// deploy/kubernetes, what an operator applies, against the Aspire app model (the AppHost's publish
/// manifest) and against the Kubernetes API's own types, offline.
/// </summary>
public sealed partial class KubernetesManifestTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("toutiao-k8s-").FullName;

    [Fact]
    public async Task Every_project_service_env_name_port_and_reference_of_the_app_model_is_deployed()
    {
        var model = await PublishManifestAsync();
        var deploy = DeployedObjects.Load();
        var problems = new List<string>();

        var projects = model.Resources.Where(r => r.Value.Type.StartsWith("project.", StringComparison.Ordinal)).ToList();
        Assert.Contains(projects, p => p.Key == "web");
        Assert.Contains(projects, p => p.Key == "reco");
        Assert.Contains(projects, p => p.Key == "toutiao-init");

        foreach (var (name, project) in projects)
        {
            // A project with endpoints is a server (Deployment and Service); one without is a worker
            // (a Deployment without a Service: the trainer) or runs to completion (a Job: the initializer).
            var isServer = project.Bindings.Count > 0;
            var pod = deploy.Deployment(name)?.Spec.Template ?? (isServer ? null : deploy.Job(name)?.Spec.Template);
            if (pod is null)
            {
                problems.Add($"{name}: no {(isServer ? "Deployment" : "Deployment or Job")} named {name}");
                continue;
            }

            var container = pod.Spec.Containers.SingleOrDefault(c => c.Name == name);
            if (container is null)
            {
                problems.Add($"{name}: no container named {name}");
                continue;
            }

            if (!(project.Args ?? []).SequenceEqual(container.Args ?? []))
            {
                problems.Add($"{name}: args [{string.Join(' ', container.Args ?? [])}], the app model has [{string.Join(' ', project.Args ?? [])}]");
            }

            var env = deploy.EnvironmentOf(container);
            foreach (var (variable, expression) in project.Env)
            {
                // TLS ends at the Ingress: nothing in the cluster serves or calls the https endpoints.
                if (expression.Contains(".bindings.https.", StringComparison.Ordinal))
                {
                    continue;
                }

                if (!env.TryGetValue(variable, out var deployed))
                {
                    problems.Add($"{name}: {variable} is not set (app model: {expression})");
                    continue;
                }

                problems.AddRange(Compare(model, deploy, name, variable, expression, deployed));

                // A directory the app model gives (the AppHost's data directory) is data to keep:
                // in a pod it must be a mounted volume, not the read-only image.
                if (expression.StartsWith('/') && !(container.VolumeMounts ?? []).Any(m => deployed.Value?.StartsWith(m.MountPath, StringComparison.Ordinal) == true))
                {
                    problems.Add($"{name}: {variable} is '{deployed.Value}', on no volume mounted in container {name}");
                }
            }

            if (isServer)
            {
                problems.AddRange(ComparePorts(deploy, name, project, container, env));
            }
        }

        // The other way round: nothing deployed that the app model does not have.
        foreach (var workload in deploy.Deployments.Select(d => d.Metadata.Name).Concat(deploy.Jobs.Select(j => j.Metadata.Name)).Concat(deploy.Services.Select(s => s.Metadata.Name)))
        {
            if (!projects.Any(p => p.Key == workload))
            {
                problems.Add($"{workload} is deployed but is no project of the app model");
            }
        }

        // One image per project: the initializer runs Web's image, and Web's image is not Reco's.
        var imageOfProject = new Dictionary<string, string>();
        foreach (var (name, project) in projects)
        {
            var image = (deploy.Deployment(name)?.Spec.Template ?? deploy.Job(name)?.Spec.Template)?.Spec.Containers.Single(c => c.Name == name).Image;
            if (image is null)
            {
                continue;
            }

            if (imageOfProject.TryGetValue(project.Path!, out var same) && same != image)
            {
                problems.Add($"{name} runs {image}, another workload of the same project runs {same}");
            }

            imageOfProject[project.Path!] = image;
        }

        if (imageOfProject.Values.Distinct().Count() != imageOfProject.Count)
        {
            problems.Add($"two projects share an image: {string.Join(", ", imageOfProject.Values)}");
        }

        // Servers of the app model that are not deployed here (Redis, MariaDB) are managed services,
        // which README.md must name, or StatefulSets.
        var readme = File.ReadAllText(Path.Combine(DeployedObjects.Directory, "README.md"));
        foreach (var (name, _) in model.Resources.Where(r => r.Value.Type == "container.v0"))
        {
            if (!readme.Contains($"`{name}`", StringComparison.Ordinal))
            {
                problems.Add($"{name}: a server of the app model that deploy/kubernetes/README.md does not name");
            }
        }

        Assert.True(problems.Count == 0, "deploy/kubernetes differs from the app model:\n" + string.Join('\n', problems));
    }

    [Fact]
    public void Every_object_parses_strictly_into_the_kubernetes_types_and_kustomization_lists_every_file()
    {
        var problems = new List<string>();
        var kustomization = DeployedObjects.Kustomization();
        var files = Directory.GetFiles(DeployedObjects.Directory, "*.yaml").Select(f => Path.GetFileName(f)).Where(f => f != "kustomization.yaml").Order().ToList();
        Assert.NotEmpty(files);
        Assert.Equal(files, kustomization.Resources.Order().ToList());
        Assert.Equal(kustomization.Resources.Count, kustomization.Resources.Distinct().Count());

        // Throws on a misspelt or misplaced field, naming the file.
        var deploy = DeployedObjects.Load();
        Assert.Equal(files.Count, deploy.Objects.Select(o => o.File).Distinct().Count());
        foreach (var duplicate in deploy.Objects.GroupBy(o => (o.Object.Kind, o.Object.Metadata?.Name)).Where(g => g.Count() > 1))
        {
            problems.Add($"{duplicate.Key.Kind} {duplicate.Key.Name} is defined {duplicate.Count()} times");
        }

        foreach (var (file, item) in deploy.Objects)
        {
            if (string.IsNullOrEmpty(item.Metadata?.Name))
            {
                problems.Add($"{file}: a {item.Kind} without metadata.name");
            }

            // Namespace-agnostic: the operator's kustomization or kubectl -n chooses it.
            if (item.Metadata?.NamespaceProperty is not null)
            {
                problems.Add($"{file}: {item.Kind} {item.Metadata.Name} names a namespace");
            }
        }

        foreach (var secret in deploy.Secrets)
        {
            // Placeholders only: a real password never enters the repository.
            if (secret.Data is { Count: > 0 })
            {
                problems.Add($"Secret {secret.Metadata.Name}: data (base64) instead of stringData placeholders");
            }

            foreach (var (key, value) in secret.StringData ?? new Dictionary<string, string>())
            {
                if (!value.Contains('<') && !PortNumber().IsMatch(value))
                {
                    problems.Add($"Secret {secret.Metadata.Name}: {key} holds a value, not a <placeholder>");
                }
            }
        }

        var pods = deploy.Deployments.Select(d => (Kind: "Deployment", d.Metadata.Name, d.Spec.Template))
            .Concat(deploy.Jobs.Select(j => (Kind: "Job", j.Metadata.Name, j.Spec.Template))).ToList();
        foreach (var deployment in deploy.Deployments)
        {
            var name = deployment.Metadata.Name;
            if (!Selects(deployment.Spec.Selector, deployment.Spec.Template.Metadata.Labels))
            {
                problems.Add($"Deployment {name}: its selector does not select its own pods");
            }

            // A singleton (one replica, replaced rather than rolled: the trainer) is neither scaled nor
            // kept through a drain: a budget of one would block every drain of its node.
            var hpa = deploy.Autoscalers.SingleOrDefault(h => h.Spec.ScaleTargetRef is { Kind: "Deployment" } target && target.Name == name);
            var pdb = deploy.DisruptionBudgets.Where(p => Selects(p.Spec.Selector, deployment.Spec.Template.Metadata.Labels)).ToList();
            var singleton = deployment.Spec is { Replicas: 1, Strategy.Type: "Recreate" };
            if (singleton)
            {
                if (hpa is not null || pdb.Count > 0)
                {
                    problems.Add($"Deployment {name}: a singleton (replicas 1, Recreate) with an autoscaler or a disruption budget");
                }
            }
            else
            {
                if (hpa is null)
                {
                    problems.Add($"Deployment {name}: no HorizontalPodAutoscaler");
                }
                else if (deployment.Spec.Replicas is not null)
                {
                    problems.Add($"Deployment {name}: replicas is set although an autoscaler owns the count (each apply would reset it)");
                }

                if (pdb.Count != 1)
                {
                    problems.Add($"Deployment {name}: {pdb.Count} PodDisruptionBudgets select its pods, not one");
                }
                else if (hpa is not null && pdb[0].Spec.MinAvailable is { } minAvailable && int.TryParse(minAvailable.Value, out var min) && min >= (hpa.Spec.MinReplicas ?? 1))
                {
                    problems.Add($"Deployment {name}: its PodDisruptionBudget would block every drain (minAvailable {min} >= minReplicas {hpa.Spec.MinReplicas})");
                }
            }

            foreach (var container in deployment.Spec.Template.Spec.Containers)
            {
                if (container.ReadinessProbe is null || container.LivenessProbe is null)
                {
                    problems.Add($"Deployment {name}: container {container.Name} lacks a readiness or liveness probe");
                }
            }
        }

        foreach (var (kind, name, template) in pods)
        {
            var spec = template.Spec;
            if (spec.SecurityContext?.RunAsNonRoot != true)
            {
                problems.Add($"{kind} {name}: runAsNonRoot is not true");
            }

            foreach (var container in spec.Containers)
            {
                if (container.Resources?.Requests is not { Count: > 0 } || container.Resources?.Limits is not { Count: > 0 }
                    || !container.Resources.Limits.ContainsKey("memory") || !container.Resources.Requests.ContainsKey("cpu"))
                {
                    problems.Add($"{kind} {name}: container {container.Name} lacks cpu and memory requests and limits");
                }

                if (container.SecurityContext?.AllowPrivilegeEscalation != false)
                {
                    problems.Add($"{kind} {name}: container {container.Name} allows privilege escalation");
                }

                foreach (var source in container.EnvFrom ?? [])
                {
                    if (source.ConfigMapRef is { } map && deploy.ConfigMap(map.Name) is null)
                    {
                        problems.Add($"{kind} {name}: envFrom ConfigMap {map.Name} does not exist");
                    }

                    if (source.SecretRef is { } secret && deploy.Secret(secret.Name) is null)
                    {
                        problems.Add($"{kind} {name}: envFrom Secret {secret.Name} does not exist");
                    }
                }

                foreach (var variable in container.Env ?? [])
                {
                    if (variable.ValueFrom?.ConfigMapKeyRef is { } mapKey && deploy.ConfigMap(mapKey.Name)?.Data?.ContainsKey(mapKey.Key) != true)
                    {
                        problems.Add($"{kind} {name}: {variable.Name} reads ConfigMap {mapKey.Name} key {mapKey.Key}, which does not exist");
                    }

                    if (variable.ValueFrom?.SecretKeyRef is { } secretKey && deploy.Secret(secretKey.Name)?.StringData?.ContainsKey(secretKey.Key) != true)
                    {
                        problems.Add($"{kind} {name}: {variable.Name} reads Secret {secretKey.Name} key {secretKey.Key}, which does not exist");
                    }
                }
            }

            foreach (var volume in spec.Volumes ?? [])
            {
                if (volume.PersistentVolumeClaim is { } claim && !deploy.Objects.Any(o => o.Object is V1PersistentVolumeClaim pvc && pvc.Metadata.Name == claim.ClaimName))
                {
                    problems.Add($"{kind} {name}: volume {volume.Name} claims {claim.ClaimName}, which does not exist");
                }
            }
        }

        foreach (var service in deploy.Services)
        {
            var selected = deploy.Deployments.Where(d => Selects(service.Spec.Selector, d.Spec.Template.Metadata.Labels)).ToList();
            if (selected.Count != 1)
            {
                problems.Add($"Service {service.Metadata.Name} selects the pods of {selected.Count} Deployments, not one");
            }
        }

        foreach (var hpa in deploy.Autoscalers)
        {
            if (deploy.Deployment(hpa.Spec.ScaleTargetRef.Name) is null)
            {
                problems.Add($"HorizontalPodAutoscaler {hpa.Metadata.Name} scales {hpa.Spec.ScaleTargetRef.Name}, which does not exist");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Each_workload_reads_only_its_own_database_account()
    {
        var deploy = DeployedObjects.Load();
        var pods = deploy.Deployments.Select(d => (d.Metadata.Name, d.Spec.Template)).Concat(deploy.Jobs.Select(j => (j.Metadata.Name, j.Spec.Template)));
        var keys = new Dictionary<string, string> { ["web"] = "web", ["reco"] = "reco", ["reco-trainer"] = "reco", ["toutiao-init"] = "init" };
        foreach (var (name, template) in pods)
        {
            var container = template.Spec.Containers.Single();
            // Never all of them through envFrom: a service would hold the schema owner's password.
            Assert.DoesNotContain(container.EnvFrom ?? [], source => source.SecretRef?.Name == "toutiao-database");
            var account = Assert.Single(container.Env, v => v.Name == "ConnectionStrings__toutiao").ValueFrom.SecretKeyRef;
            Assert.Equal("toutiao-database", account.Name);
            Assert.Equal(keys[name], account.Key);
        }

        var accounts = deploy.Secret("toutiao-database")!.StringData;
        Assert.Contains("User ID=toutiao_web;", accounts["web"]);
        Assert.Contains("User ID=toutiao_reco;", accounts["reco"]);
        var sql = File.ReadAllText(Path.Combine(DeployedObjects.Directory, "database-accounts.sql"));
        Assert.Contains("GRANT SELECT, INSERT, UPDATE, DELETE ON toutiao.* TO 'toutiao_web'@'%';", sql);
        Assert.Contains("GRANT SELECT, INSERT, UPDATE, DELETE ON toutiao.* TO 'toutiao_reco'@'%';", sql);
    }

    [Fact]
    public void Every_pod_admits_only_what_it_serves_and_reco_only_web()
    {
        var deploy = DeployedObjects.Load();
        var policies = deploy.Objects.Select(o => o.Object).OfType<V1NetworkPolicy>().ToList();
        V1NetworkPolicy? For(string app) => policies.SingleOrDefault(p => p.Spec.PodSelector.MatchLabels is { } labels && labels.TryGetValue("app.kubernetes.io/name", out var name) && name == app);
        int PortOf(string app) => deploy.Deployment(app)!.Spec.Template.Spec.Containers.Single(c => c.Name == app).Ports.Single(p => p.Name == "http").ContainerPort;

        // Every workload of the base is selected by a policy that limits who reaches it.
        foreach (var app in deploy.Deployments.Select(d => d.Metadata.Name).Concat(deploy.Jobs.Select(j => j.Metadata.Name)))
        {
            var policy = For(app);
            Assert.True(policy is not null, $"no NetworkPolicy selects {app}");
            Assert.Equal(["Ingress"], policy.Spec.PolicyTypes);
        }

        // Reco: from Web's pods only, on its port only.
        var reco = Assert.Single(For("reco")!.Spec.Ingress);
        Assert.Equal("web", Assert.Single(reco.FromProperty).PodSelector.MatchLabels["app.kubernetes.io/name"]);
        Assert.Equal(PortOf("reco").ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(reco.Ports).Port.Value);
        // Web: its port, from anywhere; the initializer: nothing.
        var web = Assert.Single(For("web")!.Spec.Ingress);
        Assert.Null(web.FromProperty);
        Assert.Equal(PortOf("web").ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(web.Ports).Port.Value);
        Assert.Null(For("toutiao-init")!.Spec.Ingress);
        Assert.Null(For("reco-trainer")!.Spec.Ingress);

        // Data stores in the namespace: the services and the initializer on the Redis and MySQL ports, and one another.
        var data = policies.Single(p => p.Spec.PodSelector.MatchLabels?.ContainsKey("toutiao.io/data-store") == true);
        var clients = data.Spec.Ingress[0];
        Assert.Equal(["web", "reco", "reco-trainer", "toutiao-init"], Assert.Single(Assert.Single(clients.FromProperty).PodSelector.MatchExpressions).Values);
        Assert.Equal(["6379", "3306"], clients.Ports.Select(p => p.Port.Value));
    }

    [Theory]
    [InlineData("apps/v1", "Deployment", "spec:\n  replica: 2")]
    [InlineData("v1", "Service", "spec:\n  ports:\n    - name: http\n      targetport: 8080")]
    [InlineData("apps/v1", "Deployment", "spec:\n  template:\n    spec:\n      containers:\n        - name: web\n          readinesProbe: {}")]
    public void A_misspelt_field_is_an_error_not_silently_dropped(string apiVersion, string kind, string spec)
    {
        // What the strict test above relies on: KubernetesClient's lenient default would drop these.
        var yaml = $"apiVersion: {apiVersion}\nkind: {kind}\nmetadata:\n  name: x\n{spec}\n";
        Assert.NotNull(KubernetesYaml.LoadAllFromString(yaml, strict: false).Single());
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(yaml, strict: true));
    }

    /// <summary>The deployed value of one variable against the app model's expression for it.</summary>
    private static IEnumerable<string> Compare(AppModel model, DeployedObjects deploy, string project, string variable, string expression, EnvValue deployed)
    {
        var references = Reference().Matches(expression).Select(m => m.Groups[1].Value).ToList();
        if (references.Count == 0)
        {
            // A path is the AppHost machine's (its data directory); the deployment chooses its own.
            if (!expression.StartsWith('/') && deployed.Value != expression)
            {
                yield return $"{project}: {variable} is '{deployed.Value}', the app model says '{expression}'";
            }

            yield break;
        }

        // Anything holding a password or a secret parameter comes from a Secret, never a ConfigMap.
        if (references.Any(model.IsSecret) && deployed.Source != EnvSource.Secret)
        {
            yield return $"{project}: {variable} carries a secret ({expression}) but comes from a {deployed.Source}";
        }

        // A reference to another project's endpoint is that project's Service, on its port.
        if (UrlOfBinding().Match(expression) is { Success: true } url)
        {
            var (target, binding) = (url.Groups[1].Value, url.Groups[2].Value);
            var port = deploy.Service(target)?.Spec.Ports.SingleOrDefault(p => p.Name == binding);
            var expected = port is null ? null : $"{model.Resources[target].Bindings[binding].Scheme}://{target}:{port.Port}";
            if (expected is null || deployed.Value?.TrimEnd('/') != expected)
            {
                yield return $"{project}: {variable} is '{deployed.Value}', the app model refers to {target}'s {binding} endpoint ({expected ?? $"no Service {target} with a port {binding}"})";
            }
        }
    }

    /// <summary>Each binding of a server: a Service port of that name, reaching the port the app listens on.</summary>
    private static IEnumerable<string> ComparePorts(DeployedObjects deploy, string name, ManifestResource project, V1Container container, IReadOnlyDictionary<string, EnvValue> env)
    {
        var service = deploy.Service(name);
        if (service is null)
        {
            yield return $"{name}: no Service named {name}";
            yield break;
        }

        foreach (var (bindingName, binding) in project.Bindings.Where(b => b.Value.Scheme != "https"))
        {
            var servicePort = service.Spec.Ports.SingleOrDefault(p => p.Name == bindingName);
            if (servicePort is null)
            {
                yield return $"{name}: Service {name} has no port named {bindingName}";
                continue;
            }

            var target = servicePort.TargetPort?.Value ?? servicePort.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var containerPort = container.Ports?.SingleOrDefault(p => p.Name == target || p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == target);
            if (containerPort is null)
            {
                yield return $"{name}: Service port {bindingName} targets {target}, which container {name} does not declare";
                continue;
            }

            if (binding.TargetPort is { } modelPort && modelPort != containerPort.ContainerPort)
            {
                yield return $"{name}: {bindingName} listens on {containerPort.ContainerPort}, the app model says {modelPort}";
            }

            // The app listens where the variable bound to this binding's target port says.
            foreach (var (variable, expression) in project.Env.Where(e => e.Value == $"{{{name}.bindings.{bindingName}.targetPort}}"))
            {
                var listening = env.TryGetValue(variable, out var value) ? value.Value : null;
                if (listening != containerPort.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    yield return $"{name}: {variable} is '{listening}' ({expression}) but the container port {bindingName} is {containerPort.ContainerPort}";
                }
            }
        }
    }

    private static bool Selects(V1LabelSelector? selector, IDictionary<string, string>? labels)
        => Selects(selector?.MatchLabels, labels);

    private static bool Selects(IDictionary<string, string>? selector, IDictionary<string, string>? labels)
        => selector is { Count: > 0 } && labels is not null && selector.All(l => labels.TryGetValue(l.Key, out var value) && value == l.Value);

    /// <summary>Runs the built AppHost in publish mode: the manifest is the app model as Aspire deploys it.</summary>
    private async Task<AppModel> PublishManifestAsync()
    {
        var projectPath = Projects.Toutiao_AppHost.ProjectPath;
        var projectDirectory = projectPath.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase) ? Path.GetDirectoryName(projectPath)! : projectPath;
        var appHost = Path.Combine(projectDirectory, "bin", Configuration, "net10.0", "Toutiao.AppHost.dll");
        Assert.True(File.Exists(appHost), $"{appHost} is not built");

        var manifestPath = Path.Combine(_directory, "aspire-manifest.json");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = projectDirectory,
            ArgumentList = { appHost, "--publisher", "manifest", "--output-path", manifestPath },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await output}{await errors}");
        return AppModel.Parse(await File.ReadAllTextAsync(manifestPath));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [GeneratedRegex(@"\{([A-Za-z0-9_-]+)\.[^}]*\}")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^\{([A-Za-z0-9_-]+)\.bindings\.([A-Za-z0-9_-]+)\.url\}$")]
    private static partial Regex UrlOfBinding();

    [GeneratedRegex(@"^[0-9]{1,5}$")]
    private static partial Regex PortNumber();
}

/// <summary>The parts of the Aspire publish manifest the deployment is compared with.</summary>
internal sealed record AppModel(IReadOnlyDictionary<string, ManifestResource> Resources)
{
    public static AppModel Parse(string json)
    {
        var resources = new Dictionary<string, ManifestResource>();
        foreach (var resource in JsonDocument.Parse(json).RootElement.GetProperty("resources").EnumerateObject())
        {
            var value = resource.Value;
            string? Text(string property) => value.TryGetProperty(property, out var p) ? p.GetString() : null;
            var env = value.TryGetProperty("env", out var e) ? e.EnumerateObject().ToDictionary(v => v.Name, v => v.Value.GetString()!) : [];
            var bindings = value.TryGetProperty("bindings", out var b)
                ? b.EnumerateObject().ToDictionary(x => x.Name, x => new ManifestBinding(
                    x.Value.GetProperty("scheme").GetString()!,
                    x.Value.TryGetProperty("targetPort", out var port) ? port.GetInt32() : null))
                : [];
            var args = value.TryGetProperty("args", out var a) ? a.EnumerateArray().Select(x => x.GetString()!).ToList() : null;
            var secret = value.TryGetProperty("inputs", out var inputs) && inputs.EnumerateObject().Any(i => i.Value.TryGetProperty("secret", out var s) && s.GetBoolean());
            resources[resource.Name] = new ManifestResource(Text("type")!, Text("path"), Text("connectionString"), env, bindings, args, secret);
        }

        return new AppModel(resources);
    }

    /// <summary>A secret parameter, or a connection string (they carry passwords) of a server.</summary>
    public bool IsSecret(string resource)
        => Resources.TryGetValue(resource, out var r) && (r.Secret || r.Type == "container.v0" || r.ConnectionString is not null
            || r.Type == "annotated.string");
}

internal sealed record ManifestResource(
    string Type, string? Path, string? ConnectionString, IReadOnlyDictionary<string, string> Env,
    IReadOnlyDictionary<string, ManifestBinding> Bindings, IReadOnlyList<string>? Args, bool Secret);

internal sealed record ManifestBinding(string Scheme, int? TargetPort);

internal enum EnvSource { Literal, ConfigMap, Secret, Field }

internal sealed record EnvValue(string? Value, EnvSource Source);

/// <summary>Kustomization fields this deployment uses; YamlDotNet rejects any other (a misspelt one).</summary>
internal sealed class Kustomization
{
    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public List<string> Resources { get; set; } = [];
    public List<KustomizationLabels> Labels { get; set; } = [];
    public List<KustomizationImage> Images { get; set; } = [];
}

internal sealed class KustomizationLabels
{
    public Dictionary<string, string> Pairs { get; set; } = [];
    public bool IncludeSelectors { get; set; }
}

internal sealed class KustomizationImage
{
    public string Name { get; set; } = "";
    public string? NewName { get; set; }
    public string? NewTag { get; set; }
}

/// <summary>Every object of deploy/kubernetes, parsed strictly into the Kubernetes API's types.</summary>
internal sealed class DeployedObjects
{
    public static string Directory { get; } = Path.Combine(RepositoryRoot(), "deploy", "kubernetes");

    public required IReadOnlyList<(string File, IKubernetesObject<V1ObjectMeta> Object)> Objects { get; init; }

    public IEnumerable<V1Deployment> Deployments => Objects.Select(o => o.Object).OfType<V1Deployment>();
    public IEnumerable<V1Job> Jobs => Objects.Select(o => o.Object).OfType<V1Job>();
    public IEnumerable<V1Service> Services => Objects.Select(o => o.Object).OfType<V1Service>();
    public IEnumerable<V1Secret> Secrets => Objects.Select(o => o.Object).OfType<V1Secret>();
    public IEnumerable<V2HorizontalPodAutoscaler> Autoscalers => Objects.Select(o => o.Object).OfType<V2HorizontalPodAutoscaler>();
    public IEnumerable<V1PodDisruptionBudget> DisruptionBudgets => Objects.Select(o => o.Object).OfType<V1PodDisruptionBudget>();

    public V1Deployment? Deployment(string name) => Deployments.SingleOrDefault(d => d.Metadata.Name == name);
    public V1Job? Job(string name) => Jobs.SingleOrDefault(j => j.Metadata.Name == name);
    public V1Service? Service(string name) => Services.SingleOrDefault(s => s.Metadata.Name == name);
    public V1Secret? Secret(string name) => Secrets.SingleOrDefault(s => s.Metadata.Name == name);
    public V1ConfigMap? ConfigMap(string name) => Objects.Select(o => o.Object).OfType<V1ConfigMap>().SingleOrDefault(c => c.Metadata.Name == name);

    public static Kustomization Kustomization()
        // YamlDotNet's default throws on a property the type lacks.
        => new YamlDotNet.Serialization.DeserializerBuilder()
            .WithNamingConvention(YamlDotNet.Serialization.NamingConventions.CamelCaseNamingConvention.Instance)
            .Build()
            .Deserialize<Kustomization>(File.ReadAllText(Path.Combine(Directory, "kustomization.yaml")));

    public static DeployedObjects Load()
    {
        var objects = new List<(string, IKubernetesObject<V1ObjectMeta>)>();
        foreach (var file in Kustomization().Resources)
        {
            try
            {
                // strict: an unknown field (a misspelt one) throws instead of being dropped.
                foreach (var item in KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(Directory, file)), strict: true))
                {
                    objects.Add((file, (IKubernetesObject<V1ObjectMeta>)item));
                }
            }
            catch (Exception ex) when (ex is not FileNotFoundException)
            {
                throw new InvalidDataException($"{file}: {ex.GetBaseException().Message}", ex);
            }
        }

        return new DeployedObjects { Objects = objects };
    }

    /// <summary>What the container's process sees, as the kubelet builds it: envFrom in order, then env over it.</summary>
    public IReadOnlyDictionary<string, EnvValue> EnvironmentOf(V1Container container)
    {
        var env = new Dictionary<string, EnvValue>();
        foreach (var source in container.EnvFrom ?? [])
        {
            var prefix = source.Prefix ?? "";
            if (source.ConfigMapRef is { } map)
            {
                foreach (var (key, value) in ConfigMap(map.Name)?.Data ?? new Dictionary<string, string>())
                {
                    env[prefix + key] = new EnvValue(value, EnvSource.ConfigMap);
                }
            }

            if (source.SecretRef is { } secret)
            {
                foreach (var (key, value) in Secret(secret.Name)?.StringData ?? new Dictionary<string, string>())
                {
                    env[prefix + key] = new EnvValue(value, EnvSource.Secret);
                }
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            env[variable.Name] = variable.ValueFrom switch
            {
                { ConfigMapKeyRef: { } key } => new EnvValue(ConfigMap(key.Name)?.Data is { } data ? data.TryGetValue(key.Key, out var value) ? value : null : null, EnvSource.ConfigMap),
                { SecretKeyRef: { } key } => new EnvValue(Secret(key.Name)?.StringData is { } data ? data.TryGetValue(key.Key, out var value) ? value : null : null, EnvSource.Secret),
                { } => new EnvValue(null, EnvSource.Field),
                null => new EnvValue(variable.Value, EnvSource.Literal),
            };
        }

        return env;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Toutiao.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Toutiao.sln above {AppContext.BaseDirectory}");
    }
}
