namespace Toutiao.Tests.App.CourseApp;

/// <summary>A step's own check that did not hold.</summary>
public sealed class StepFailedException(string message) : Exception(message);
